// Package textutil holds small text helpers used where errors quote logs.
package textutil

import "strings"

// LastLines returns the last n lines of s (trailing newlines dropped), for
// error messages that quote the end of a log.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
