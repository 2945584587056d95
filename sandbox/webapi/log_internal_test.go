package webapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type oneStore struct{}

func (oneStore) Store(id int) (Store, bool)       { return Store{ID: id}, true }
func (oneStore) StoreByCode(string) (Store, bool) { return Store{}, false }

type guests struct{}

func (guests) Identify(*http.Request) (Identity, *Error) { return Identity{}, nil }

// TestInternalErrorIsLogged: a handler's unexpected error is answered with
// Magento's masked 500 and a report id, and the same id is logged with the
// error, as Magento\Framework\Webapi\ErrorProcessor::_critical logs it.
func TestInternalErrorIsLogged(t *testing.T) {
	var log bytes.Buffer
	api := New(oneStore{}, guests{})
	api.Log = &log
	api.Register(Route{Method: "GET", Pattern: "/V1/boom", ACL: ACLAnonymous,
		Handle: func(*Call) (any, error) { return nil, errors.New("database is locked") }})
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/rest/V1/boom", nil))
	var body struct {
		Message    string   `json:"message"`
		Parameters []string `json:"parameters"`
	}
	json.NewDecoder(rec.Body).Decode(&body)
	if rec.Code != 500 || body.Message != MsgInternal || len(body.Parameters) != 1 {
		t.Fatalf("answer %d %+v; want the masked 500 with a report id", rec.Code, body)
	}
	if line := log.String(); !strings.Contains(line, "Report ID: "+body.Parameters[0]+";") ||
		!strings.Contains(line, "/rest/V1/boom") || !strings.Contains(line, "database is locked") {
		t.Errorf("log = %q; want the report id, the path and the error", line)
	}
	// An error of Magento's own is an answer, not a report.
	log.Reset()
	api.Register(Route{Method: "GET", Pattern: "/V1/nope", ACL: ACLAnonymous,
		Handle: func(*Call) (any, error) { return nil, NotFound("id", 1) }})
	api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/rest/V1/nope", nil))
	if log.Len() != 0 {
		t.Errorf("a 404 was logged: %q", log.String())
	}
}
