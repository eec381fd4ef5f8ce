package safety

import (
	"strings"
	"testing"
)

func TestCheckAcknowledged(t *testing.T) {
	for name, c := range map[string]struct {
		ws      []w
		final   []string
		check   string // "" for no violation
		inTopic string
	}{
		"create kept":                     {[]w{{Create, "t", 0, 10, OK}}, []string{"t"}, "", ""},
		"create lost":                     {[]w{{Create, "t", 0, 10, OK}}, nil, CheckLostCreate, "t"},
		"create then deleted":             {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 20, 30, OK}}, nil, "", ""},
		"create then unknown delete":      {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 20, 30, Unknown}}, nil, "", ""},
		"early unknown delete lands late": {[]w{{Delete, "t", 0, 1, Unknown}, {Create, "t", 5, 10, OK}}, nil, "", ""},
		"delete concurrent with create":   {[]w{{Create, "t", 5, 10, OK}, {Delete, "t", 0, 6, OK}}, nil, "", ""},
		"delete returned before create":   {[]w{{Delete, "t", 0, 4, OK}, {Create, "t", 5, 10, OK}}, nil, CheckLostCreate, "t"},
		"rejected delete after":           {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 20, 30, Rejected}}, nil, CheckLostCreate, "t"},
		"absent delete after (a retry)":   {[]w{{Create, "t", 0, 10, OK}, {Delete, "t", 20, 30, Absent}}, nil, "", ""},
		"delete kept":                     {[]w{{Delete, "t", 0, 10, OK}}, nil, "", ""},
		"delete undone":                   {[]w{{Create, "t", 0, 1, OK}, {Delete, "t", 2, 10, OK}}, []string{"t"}, CheckResurrectedDelete, "t"},
		"delete then re-created":          {[]w{{Delete, "t", 0, 10, OK}, {Create, "t", 20, 30, OK}}, []string{"t"}, "", ""},
		"delete then exists (a retry)":    {[]w{{Delete, "t", 0, 10, OK}, {Create, "t", 20, 30, Exists}}, []string{"t"}, "", ""},
		"delete then rejected create":     {[]w{{Delete, "t", 0, 10, OK}, {Create, "t", 20, 30, Rejected}}, []string{"t"}, CheckResurrectedDelete, "t"},
		"only the lost one of two": {[]w{{Create, "a", 0, 10, OK}, {Create, "b", 0, 10, OK}}, []string{"a"},
			CheckLostCreate, "b"},
	} {
		t.Run(name, func(t *testing.T) {
			fin := map[string]bool{}
			for _, f := range c.final {
				fin[f] = true
			}
			v := CheckAcknowledged(history(c.ws), fin)
			if c.check == "" {
				if len(v) != 0 {
					t.Fatalf("unexpected %v", v)
				}
				return
			}
			if len(v) != 1 || v[0].Check != c.check || v[0].Topic != c.inTopic || !strings.Contains(v[0].String(), `"`+c.inTopic+`"`) {
				t.Fatalf("got %v, want one %s on %s", v, c.check, c.inTopic)
			}
		})
	}
}
