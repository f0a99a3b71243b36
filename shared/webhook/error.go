package webhook

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each one to a single status code.
const (
	EInvalid      = "validation_error"
	EBadJSON      = "bad_json"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	ETooLarge     = "payload_too_large"
	EUnsupported  = "unsupported_media_type"
	EInternal     = "internal"
)

// Error is a failure the caller can act on: a code, a human message and, for
// validation failures, the name of the offending field.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error about one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err when it is (or wraps) an *Error, and
// EInternal otherwise. A nil error has no code.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EInternal
	}
}

// IsNotFound reports whether err means the thing asked for does not exist.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }

// IsConflict reports whether err is a conflict (a duplicate or a lost update).
func IsConflict(err error) bool { return ErrorCode(err) == EConflict }
