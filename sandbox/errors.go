package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
)

// apiError is an answer in Magento's error envelope: the phrase with its
// placeholders unsubstituted, the values in params (map[string]any for
// named %placeholders, []any for positional %1), and the errors of an
// aggregate.
type apiError struct {
	status  int
	message string
	params  any
	errors  []magento.ErrorItem
}

// Error returns the message with its placeholders substituted, as Magento
// logs it and as async operations report it.
func (e *apiError) Error() string { return render(e.message, e.params) }

// Magento's phrases, verbatim.
const (
	msgNoRoute          = "Request does not match any route."
	msgDecoding         = "Decoding error."
	msgContentType      = "Server cannot understand Content-Type HTTP header media type %1"
	msgContentTypeEmpty = "Content-Type header is empty."
	msgContentTypeBad   = "Content-Type header is invalid."
	msgCharset          = "UTF-8 is the only supported charset."
	msgRequired         = `"%fieldName" is required. Enter and try again.`
	msgNotSupported     = `"%fieldName" is not supported. Correct the field name and try again.`
	msgTypeInvalid      = `The "%value" value's type is invalid. The "%type" type was expected. Verify and try again.`
	msgAggregate        = "One or more input exceptions have occurred."
	msgUnauthorized     = "The consumer isn't authorized to access %resources."
	msgSignIn           = "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."
	msgNoSuchEntity     = "No such entity with %fieldName = %fieldValue"
	msgInvalidValue     = `Invalid value of "%value" provided for the %fieldName field.`
	msgTooLarge         = "The request body is larger than the %max bytes the sandbox accepts."
	msgInternal         = "Internal Error. Details are available in Magento log file. Report ID: %1"
)

func newError(status int, message string, params any) *apiError {
	return &apiError{status: status, message: message, params: params}
}

// inputError is a 400 with named parameters.
func inputError(message string, params map[string]any) *apiError {
	if len(params) == 0 {
		return newError(http.StatusBadRequest, message, nil)
	}
	return newError(http.StatusBadRequest, message, params)
}

func requiredError(field string) *apiError {
	return inputError(msgRequired, map[string]any{"fieldName": field})
}

func notFound(field string, value any) *apiError {
	return newError(http.StatusNotFound, msgNoSuchEntity, map[string]any{"fieldName": field, "fieldValue": value})
}

func unauthorized(resources string) *apiError {
	return newError(http.StatusUnauthorized, msgUnauthorized, map[string]any{"resources": resources})
}

func signInError() *apiError {
	return newError(http.StatusUnauthorized, msgSignIn, nil)
}

// inputErrors collects the errors of one InputException. Magento's rule:
// one error is the answer itself; two or more become the aggregate message
// with the list in errors.
type inputErrors []*apiError

func (ie *inputErrors) add(e *apiError) { *ie = append(*ie, e) }

func (ie inputErrors) err() *apiError {
	switch len(ie) {
	case 0:
		return nil
	case 1:
		return ie[0]
	}
	agg := &apiError{status: http.StatusBadRequest, message: msgAggregate}
	for _, e := range ie {
		agg.errors = append(agg.errors, magento.ErrorItem{Message: e.message, Parameters: e.params})
	}
	return agg
}

// validatorErrors collects the messages of one Magento\Framework\Validator\
// Exception (the EAV and customer validators). One message is the answer
// itself; two or more are joined, rendered, one a line, as the message,
// with the list in errors.
type validatorErrors []*apiError

func (ve *validatorErrors) add(e *apiError) { *ve = append(*ve, e) }

func (ve validatorErrors) err() *apiError {
	switch len(ve) {
	case 0:
		return nil
	case 1:
		return ve[0]
	}
	lines := make([]string, len(ve))
	agg := &apiError{status: http.StatusBadRequest}
	for i, e := range ve {
		lines[i] = e.Error()
		agg.errors = append(agg.errors, magento.ErrorItem{Message: e.message, Parameters: e.params})
	}
	agg.message = strings.Join(lines, "\n")
	return agg
}

// envelope returns the JSON envelope of e.
func (e *apiError) envelope() magento.ErrorResponse {
	return magento.ErrorResponse{Message: e.message, Errors: e.errors, Parameters: e.params}
}

// writeJSON writes v as the JSON answer with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(magento.ErrorResponse{Message: msgInternal, Parameters: []any{"webapi-sandbox"}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeError writes err in Magento's envelope: an *apiError as itself, any
// other error as Magento's masked 500.
func writeError(w http.ResponseWriter, err error) {
	if ae, ok := err.(*apiError); ok {
		writeJSON(w, ae.status, ae.envelope())
		return
	}
	if errors.Is(err, db.ErrClosed) {
		writeJSON(w, http.StatusServiceUnavailable, magento.ErrorResponse{Message: "The sandbox is shutting down."})
		return
	}
	if me, ok := err.(*mageseed.Error); ok && me.Code != mageseed.EINTERNAL {
		writeJSON(w, magento.StatusOf(me.Code), magento.ErrorResponse{Message: me.Message})
		return
	}
	writeJSON(w, http.StatusInternalServerError, magento.ErrorResponse{
		Message:    msgInternal,
		Parameters: []any{"webapi-sandbox"},
	})
}

var placeholderRE = regexp.MustCompile(`%([A-Za-z_][A-Za-z0-9_]*|\d+)`)

// render substitutes a phrase's placeholders with params, as Magento's
// Phrase renderer does.
func render(message string, params any) string {
	switch p := params.(type) {
	case map[string]any:
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		// Longest names first, so %fieldNameX is not cut at %fieldName.
		sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
		for _, k := range keys {
			message = strings.ReplaceAll(message, "%"+k, fmt.Sprint(p[k]))
		}
		return message
	case []any:
		return placeholderRE.ReplaceAllStringFunc(message, func(ph string) string {
			n, err := strconv.Atoi(ph[1:])
			if err != nil || n < 1 || n > len(p) {
				return ph
			}
			return fmt.Sprint(p[n-1])
		})
	}
	return message
}
