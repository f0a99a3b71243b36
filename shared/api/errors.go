package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// statuses maps each domain error code to its one HTTP status.
var statuses = map[string]int{
	webhook.EInvalid:      http.StatusBadRequest,
	webhook.EBadJSON:      http.StatusBadRequest,
	webhook.EUnauthorized: http.StatusUnauthorized,
	webhook.EForbidden:    http.StatusForbidden,
	webhook.ENotFound:     http.StatusNotFound,
	webhook.EConflict:     http.StatusConflict,
	ELimit:                http.StatusConflict,
	webhook.ETooLarge:     http.StatusRequestEntityTooLarge,
	webhook.EUnsupported:  http.StatusUnsupportedMediaType,
	webhook.EInternal:     http.StatusInternalServerError,
}

// Status returns the HTTP status of a domain error code; an unknown code is
// an internal error.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers err. A domain error is answered with its code, message
// and field; anything else is logged with its detail and answered as a bare
// internal error.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := webhook.ErrorCode(err)
	detail := errorDetail{Code: code}
	if code == webhook.EInternal || Status(code) == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "api.internal_error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		detail = errorDetail{Code: webhook.EInternal, Message: "internal error; the operator's log has the detail"}
	} else {
		var e *webhook.Error
		if errors.As(err, &e) {
			detail.Message, detail.Field = e.Message, e.Field
		}
	}
	writeJSON(w, Status(detail.Code), errorBody{Error: detail})
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
