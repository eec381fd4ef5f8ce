package cluster

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Error is a Kafka protocol error with a message saying what was wrong. Its
// Code travels on the wire unchanged, so a client sees the same error a real
// Kafka broker would send for the same request.
type Error struct {
	Code    int16
	Message string
}

// Errorf returns an *Error for the given Kafka error with a formatted message.
func Errorf(code *kerr.Error, format string, args ...any) *Error {
	return &Error{Code: code.Code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	name := ErrorName(e.Code)
	if e.Message == "" {
		return name
	}
	return name + ": " + e.Message
}

// Is lets errors.Is(err, kerr.InvalidTopicException) match an *Error.
func (e *Error) Is(target error) bool {
	var k *kerr.Error
	if errors.As(target, &k) {
		return k.Code == e.Code
	}
	var o *Error
	if errors.As(target, &o) {
		return o.Code == e.Code
	}
	return false
}

// ErrorCode returns the Kafka error code carried by err: 0 for nil, the code
// of an *Error or *kerr.Error anywhere in the chain, and UNKNOWN_SERVER_ERROR
// for anything else.
func ErrorCode(err error) int16 {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var k *kerr.Error
	if errors.As(err, &k) {
		return k.Code
	}
	return kerr.UnknownServerError.Code
}

// ErrorName returns Kafka's name for an error code ("NONE" for 0).
func ErrorName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	// kerr answers UNKNOWN_SERVER_ERROR for a code it does not know: only
	// trust the name when the code matches.
	if k := kerr.TypedErrorForCode(code); k != nil && k.Code == code {
		return k.Message
	}
	return fmt.Sprintf("UNKNOWN_CODE_%d", code)
}
