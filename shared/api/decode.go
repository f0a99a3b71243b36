package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// MaxBody is the largest request body accepted: 256 KiB.
const MaxBody = 256 << 10

// readBody returns the request body, refusing one over MaxBody (413), one
// that is not declared as JSON (415) and one that is not UTF-8 (400). An
// absent body is returned as nil.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, webhook.Errorf(webhook.EBadJSON, "could not read the request body")
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	if !isJSON(ct) {
		return nil, webhook.Errorf(webhook.EUnsupported, "the request body must be JSON, sent with Content-Type: application/json")
	}
	if !utf8.Valid(body) {
		return nil, webhook.Errorf(webhook.EBadJSON, "the request body is not valid UTF-8")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	return body, nil
}

func tooLarge() error {
	return webhook.Errorf(webhook.ETooLarge, "the request body is larger than %d bytes", MaxBody)
}

// isJSON reports whether a Content-Type names JSON: application/json, with
// or without parameters such as charset.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// decodeStrict decodes one JSON object from body into dst. Unknown fields and
// values of the wrong type are validation errors naming the field; anything
// that is not one JSON object is bad_json.
func decodeStrict(body []byte, dst any) error {
	if len(body) == 0 {
		return webhook.Errorf(webhook.EBadJSON, "the request body is empty; send a JSON object")
	}
	if b := bytes.TrimSpace(body); b[0] != '{' {
		return webhook.Errorf(webhook.EBadJSON, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return webhook.Errorf(webhook.EBadJSON, "the request body has data after its JSON object")
	}
	return nil
}

// decodeError turns an encoding/json error into a domain error.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return webhook.Errorf(webhook.EBadJSON, "the request body must be a JSON object")
		}
		field, _, _ := strings.Cut(typeErr.Field, ".")
		return webhook.Invalid(field, "must be %s", jsonKind(typeErr.Type.Kind().String()))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		return webhook.Invalid(field, "is not a known field")
	}
	return webhook.Errorf(webhook.EBadJSON, "the request body is not valid JSON")
}

// jsonKind names a Go kind as the JSON type a caller should send.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer in range"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "of another type"
	}
}

// decodeBody reads and strictly decodes a required JSON object body.
func (s *server) decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// decodeOptionalBody is decodeBody for routes whose body may be absent.
func (s *server) decodeOptionalBody(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r)
	if err != nil || body == nil {
		return err
	}
	return decodeStrict(body, dst)
}
