package webapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
)

// Error is an answer in Magento's error envelope
// (Magento\Framework\Webapi\ErrorProcessor): the HTTP status, the phrase
// with its placeholders unsubstituted, the values in Params
// (map[string]any for named %placeholders, []any for positional %1), and
// the errors of an aggregate.
type Error struct {
	Status  int
	Message string
	Params  any
	Errors  []magento.ErrorItem
	// Serial marks a Magento\Framework\Exception\SerializationException:
	// the data object converter wraps it with the field it came from
	// (ServiceInputProcessor::_createFromArray), and it reaches the client
	// as a finished sentence.
	Serial bool
}

// Error returns the message with its placeholders substituted, as Magento
// logs it and as async operations report it.
func (e *Error) Error() string { return Render(e.Message, e.Params) }

// Magento's phrases, verbatim.
const (
	MsgNoRoute          = "Request does not match any route."
	MsgDecoding         = "Decoding error."
	MsgContentType      = "Server cannot understand Content-Type HTTP header media type %1"
	MsgContentTypeEmpty = "Content-Type header is empty."
	MsgContentTypeBad   = "Content-Type header is invalid."
	MsgCharset          = "UTF-8 is the only supported charset."
	MsgRequired         = `"%fieldName" is required. Enter and try again.`
	MsgNotSupported     = `"%fieldName" is not supported. Correct the field name and try again.`
	MsgFieldProcessing  = `Error occurred during "%field_name" processing. %details`
	MsgMaxItems         = `Maximum items of type "%type" is %max`
	MsgTypeInvalid      = `The "%value" value's type is invalid. The "%type" type was expected. Verify and try again.`
	MsgAggregate        = "One or more input exceptions have occurred."
	MsgUnauthorized     = "The consumer isn't authorized to access %resources."
	MsgSignIn           = "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."
	MsgNoSuchEntity     = "No such entity with %fieldName = %fieldValue"
	MsgInvalidValue     = `Invalid value of "%value" provided for the %fieldName field.`
	MsgTooLarge         = "The request body is larger than the %max bytes the sandbox accepts."
	MsgInternal         = "Internal Error. Details are available in Magento log file. Report ID: %1"
)

// NewError returns an error answered with status and the phrase message.
func NewError(status int, message string, params any) *Error {
	return &Error{Status: status, Message: message, Params: params}
}

// WebapiError is a Magento\Framework\Webapi\Exception: its message is the
// phrase rendered with its arguments, and the answer carries no parameters
// (Magento\Framework\Webapi\ErrorProcessor::maskException passes it on as
// it is, where other LocalizedExceptions keep their template and
// parameters).
func WebapiError(status int, message string, params any) *Error {
	return &Error{Status: status, Message: Render(message, params)}
}

// InputError is a 400 with named parameters.
func InputError(message string, params map[string]any) *Error {
	if len(params) == 0 {
		return NewError(http.StatusBadRequest, message, nil)
	}
	return NewError(http.StatusBadRequest, message, params)
}

// RequiredError is Magento's error for a missing required field.
func RequiredError(field string) *Error {
	return InputError(MsgRequired, map[string]any{"fieldName": field})
}

// NotFound is Magento's NoSuchEntityException for field = value, a 404.
func NotFound(field string, value any) *Error {
	return NewError(http.StatusNotFound, MsgNoSuchEntity, map[string]any{"fieldName": field, "fieldValue": value})
}

// Unauthorized is the ACL refusal for the resources, a 401.
func Unauthorized(resources string) *Error {
	return NewError(http.StatusUnauthorized, MsgUnauthorized, map[string]any{"resources": resources})
}

// SignInError is the token routes' refusal of credentials, a 401.
func SignInError() *Error {
	return NewError(http.StatusUnauthorized, MsgSignIn, nil)
}

// InputErrors collects the errors of one InputException. Magento's rule:
// one error is the answer itself; two or more become the aggregate message
// with the list in errors.
type InputErrors []*Error

// Add collects one error.
func (ie *InputErrors) Add(e *Error) { *ie = append(*ie, e) }

// Err returns the errors as Magento answers them, or nil for none.
func (ie InputErrors) Err() *Error {
	switch len(ie) {
	case 0:
		return nil
	case 1:
		return ie[0]
	}
	agg := &Error{Status: http.StatusBadRequest, Message: MsgAggregate}
	for _, e := range ie {
		agg.Errors = append(agg.Errors, magento.ErrorItem{Message: e.Message, Parameters: e.Params})
	}
	return agg
}

// ValidatorErrors collects the messages of one Magento\Framework\Validator\
// Exception (the EAV and customer validators). One message is the answer
// itself; two or more are joined, rendered, one a line, as the message,
// with the list in errors.
type ValidatorErrors []*Error

// Add collects one error.
func (ve *ValidatorErrors) Add(e *Error) { *ve = append(*ve, e) }

// Err returns the errors as Magento answers them, or nil for none.
func (ve ValidatorErrors) Err() *Error {
	switch len(ve) {
	case 0:
		return nil
	case 1:
		return ve[0]
	}
	lines := make([]string, len(ve))
	agg := &Error{Status: http.StatusBadRequest}
	for i, e := range ve {
		lines[i] = e.Error()
		agg.Errors = append(agg.Errors, magento.ErrorItem{Message: e.Message, Parameters: e.Params})
	}
	agg.Message = strings.Join(lines, "\n")
	return agg
}

// envelope returns the JSON envelope of e.
func (e *Error) envelope() magento.ErrorResponse {
	return magento.ErrorResponse{Message: e.Message, Errors: e.Errors, Parameters: e.Params}
}

// WriteJSON writes v as the JSON answer with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(magento.ErrorResponse{Message: MsgInternal, Parameters: []any{"webapi-sandbox"}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// WriteError writes err in Magento's envelope: an *Error as itself, any
// other error as Magento's masked 500.
func WriteError(w http.ResponseWriter, err error) {
	if ae, ok := err.(*Error); ok {
		WriteJSON(w, ae.Status, ae.envelope())
		return
	}
	if errors.Is(err, db.ErrClosed) {
		WriteJSON(w, http.StatusServiceUnavailable, magento.ErrorResponse{Message: "The sandbox is shutting down."})
		return
	}
	if me, ok := err.(*mageseed.Error); ok && me.Code != mageseed.EINTERNAL {
		WriteJSON(w, magento.StatusOf(me.Code), magento.ErrorResponse{Message: me.Message})
		return
	}
	WriteJSON(w, http.StatusInternalServerError, magento.ErrorResponse{
		Message:    MsgInternal,
		Parameters: []any{"webapi-sandbox"},
	})
}

var placeholderRE = regexp.MustCompile(`%([A-Za-z_][A-Za-z0-9_]*|\d+)`)

// Render substitutes a phrase's placeholders with params, as Magento's
// Phrase renderer does.
func Render(message string, params any) string {
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
