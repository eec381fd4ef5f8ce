package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Properties is a parsed Java properties file: keys to values, plus the
// line each key came from so errors can point at it.
type Properties struct {
	values map[string]string
	lines  map[string]int
	order  []string
}

// NewProperties returns an empty set.
func NewProperties() *Properties {
	return &Properties{values: map[string]string{}, lines: map[string]int{}}
}

// Set sets key to value (a later Set wins, as a later line in a file does).
func (p *Properties) Set(key, value string) {
	if _, ok := p.values[key]; !ok {
		p.order = append(p.order, key)
	}
	p.values[key] = value
}

// Get returns the value of key and whether it was set.
func (p *Properties) Get(key string) (string, bool) {
	v, ok := p.values[key]
	return v, ok
}

// Keys returns the keys in the order they were first set.
func (p *Properties) Keys() []string { return append([]string(nil), p.order...) }

// where names the source line of key for error messages.
func (p *Properties) where(key string) string {
	if l, ok := p.lines[key]; ok {
		return fmt.Sprintf(" (line %d)", l)
	}
	return ""
}

// ParseProperties reads the Java properties format Kafka's server.properties
// uses: "key=value", "key: value" or "key value"; '#' and '!' start comment
// lines; a trailing backslash continues a line; \t, \n, \\, \=, \: escapes.
func ParseProperties(r io.Reader) (*Properties, error) {
	p := NewProperties()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	lineNo, start := 0, 0
	var logical strings.Builder
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if logical.Len() == 0 {
			line = strings.TrimLeft(line, " \t\f")
			if line == "" || line[0] == '#' || line[0] == '!' {
				continue
			}
			start = lineNo
		} else {
			line = strings.TrimLeft(line, " \t\f")
		}
		if continues(line) {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		k, v := splitKeyValue(logical.String())
		logical.Reset()
		p.Set(k, v)
		p.lines[k] = start
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read properties: %w", err)
	}
	if logical.Len() > 0 {
		k, v := splitKeyValue(logical.String())
		p.Set(k, v)
		p.lines[k] = start
	}
	return p, nil
}

// continues reports whether a line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func splitKeyValue(s string) (string, string) {
	var key strings.Builder
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			key.WriteByte(unescape(s[i]))
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		key.WriteByte(c)
	}
	rest := strings.TrimLeft(s[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key.String(), unescapeAll(rest)
}

func unescapeAll(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			b.WriteByte(unescape(s[i]))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unescape(c byte) byte {
	switch c {
	case 't':
		return '\t'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 'f':
		return '\f'
	}
	return c
}
