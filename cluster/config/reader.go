package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// reader reads typed values, collecting one error per bad property.
type reader struct {
	p    *Properties
	errs []error
}

func (r *reader) raw(name string) (string, bool) {
	if v, ok := r.p.Get(name); ok {
		return strings.TrimSpace(v), true
	}
	d := defIndex[name]
	return d.dflt, d.dflt != ""
}

func (r *reader) fail(name, why string) {
	v, _ := r.raw(name)
	r.errs = append(r.errs, fmt.Errorf("%s=%q%s: %s", name, v, r.p.where(name), why))
}

func (r *reader) str(name string) string {
	v, _ := r.raw(name)
	return v
}

func (r *reader) int(name string, dflt int64) (int64, bool) {
	v, ok := r.raw(name)
	if !ok || v == "" {
		return dflt, false
	}
	bits := 32
	if defIndex[name].kind == kindLong {
		bits = 64
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		r.fail(name, "not an integer")
		return dflt, false
	}
	return n, true
}

func (r *reader) duration(name string, min time.Duration) time.Duration {
	n, ok := r.int(name, 0)
	d := time.Duration(n) * time.Millisecond
	if ok && d < min {
		r.fail(name, fmt.Sprintf("must be at least %d", min.Milliseconds()))
	}
	return d
}

func (r *reader) bool(name string) bool {
	v, _ := r.raw(name)
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false", "":
		return false
	}
	r.fail(name, "not true or false")
	return false
}

func (r *reader) list(name string) []string {
	v, _ := r.raw(name)
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func (r *reader) listeners(name string) []Listener {
	var out []Listener
	for _, e := range r.list(name) {
		l, err := parseListener(e)
		if err != nil {
			r.fail(name, err.Error())
			continue
		}
		out = append(out, l)
	}
	return out
}

func parseListener(s string) (Listener, error) {
	nm, hp, ok := strings.Cut(s, "://")
	if !ok || nm == "" {
		return Listener{}, fmt.Errorf("entry %q is not NAME://host:port", s)
	}
	host, port, err := splitPort(hp)
	if err != nil {
		return Listener{}, fmt.Errorf("entry %q: %v", s, err)
	}
	return Listener{Name: strings.ToUpper(nm), Host: host, Port: port}, nil
}

func splitPort(hp string) (string, int, error) {
	host, ps, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q out of range 0-65535", ps)
	}
	return host, port, nil
}

func parseVoter(s string) (Voter, error) {
	ids, hp, ok := strings.Cut(s, "@")
	if !ok {
		return Voter{}, errors.New("not id@host:port")
	}
	id, err := strconv.ParseInt(ids, 10, 32)
	if err != nil || id < 0 {
		return Voter{}, fmt.Errorf("id %q is not a node id", ids)
	}
	host, port, err := splitPort(hp)
	if err != nil {
		return Voter{}, err
	}
	if port == 0 {
		return Voter{}, errors.New("port 0 cannot be dialled")
	}
	return Voter{ID: int32(id), Host: host, Port: port}, nil
}
