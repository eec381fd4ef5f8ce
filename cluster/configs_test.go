package cluster

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func ptr(s string) *string { return &s }

func TestApplyConfigChanges(t *testing.T) {
	cur := map[string]string{"retention.ms": "1000", "cleanup.policy": "compact"}
	got, err := ApplyConfigChanges(cur, TopicConfigAlter{Changes: []ConfigChange{
		{Name: "segment.ms", Op: ConfigSet, Value: ptr("5")},
		{Name: "retention.ms", Op: ConfigDelete},
		{Name: "cleanup.policy", Op: ConfigAppend, Value: ptr("delete,compact")},
		{Name: "follower.replication.throttled.replicas", Op: ConfigSubtract, Value: ptr("x")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"segment.ms": "5", "cleanup.policy": "compact,delete", "follower.replication.throttled.replicas": ""}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if cur["retention.ms"] != "1000" {
		t.Fatal("ApplyConfigChanges modified its input")
	}
	got, err = ApplyConfigChanges(cur, TopicConfigAlter{Replace: true, Changes: []ConfigChange{{Name: "segment.ms", Value: ptr("7")}}})
	if err != nil || !maps.Equal(got, map[string]string{"segment.ms": "7"}) {
		t.Fatalf("replace: %v %v", got, err)
	}
	// APPEND starts from the default of a list key with no override.
	got, _ = ApplyConfigChanges(nil, TopicConfigAlter{Changes: []ConfigChange{{Name: "cleanup.policy", Op: ConfigAppend, Value: ptr("compact")}}})
	if got["cleanup.policy"] != "delete,compact" {
		t.Fatalf("append to the default: %v", got)
	}
	for _, c := range []ConfigChange{
		{Name: "retention.ms", Op: ConfigAppend, Value: ptr("1")},
		{Name: "no.such", Op: ConfigSubtract, Value: ptr("1")},
	} {
		if _, err := ApplyConfigChanges(nil, TopicConfigAlter{Changes: []ConfigChange{c}}); ErrorCode(err) != kerr.InvalidConfig.Code {
			t.Errorf("%+v: %v, want INVALID_CONFIG", c, err)
		}
	}
}

func TestValidateTopicConfigs(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"no.such":"1"}`:                   "INVALID_CONFIG: Unknown topic config name: no.such",
		`{"retention.ms":"abc"}`:            "INVALID_CONFIG: Invalid value abc for configuration retention.ms: Not a number of type LONG",
		`{"segment.bytes":"99999999999"}`:   "INVALID_CONFIG: Invalid value 99999999999 for configuration segment.bytes: Not a number of type INT",
		`{"min.insync.replicas":"0"}`:       "INVALID_CONFIG: Invalid value 0 for configuration min.insync.replicas: Value must be at least 1",
		`{"preallocate":"yes"}`:             "INVALID_CONFIG: Invalid value yes for configuration preallocate: Expected value to be either true or false",
		`{"cleanup.policy":"delete,zap"}`:   "INVALID_CONFIG: Invalid value zap for configuration cleanup.policy: String must be one of: compact, delete",
		`{"min.cleanable.dirty.ratio":"2"}`: "INVALID_CONFIG: Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no more than 1",
		`{"compression.type":"brotli"}`:     "INVALID_CONFIG: Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
		`{"retention.ms":"-1","preallocate":"TRUE","cleanup.policy":"compact,delete"}`: "",
	} {
		m := parseJSONMap(t, cfg)
		err := ValidateTopicConfigs(m)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", cfg, got, want)
		}
	}
}

func parseJSONMap(t *testing.T, s string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
