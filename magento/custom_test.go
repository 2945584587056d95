package magento_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
)

// customStore answers the metadata, group, activate and customer routes of a
// customised store with fixed bodies (shapes of Adobe's OpenAPI definitions
// customer-data-attribute-metadata-interface and customer-data-group-interface),
// and records the requests it got.
type customStore struct {
	mu     sync.Mutex
	got    []string          // "METHOD path?query"
	bodies map[string]string // "METHOD path" -> last body
	// answerAvailable is the answer to isEmailAvailable.
	answerAvailable bool
}

const customerMetadata = `[
 {"attribute_code":"firstname","frontend_input":"text","required":true,"system":true,"user_defined":false,
  "validation_rules":[{"name":"max_text_length","value":"255"}],"options":[],"multiline_count":0,"store_label":"First Name"},
 {"attribute_code":"preferred_channel","frontend_input":"select","required":false,"system":false,"user_defined":true,
  "validation_rules":[],"options":[{"label":" ","value":""},{"label":"Email","value":"4"},{"label":"Phone","value":"5"}],
  "multiline_count":0,"store_label":"Preferred Channel"}]`

const addressMetadata = `[
 {"attribute_code":"street","frontend_input":"multiline","required":true,"system":true,"user_defined":false,
  "validation_rules":[],"options":[],"multiline_count":3,"store_label":"Street Address"}]`

func (s *customStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/rest/default")
	s.mu.Lock()
	s.got = append(s.got, r.Method+" "+path)
	if s.bodies == nil {
		s.bodies = map[string]string{}
	}
	s.bodies[r.Method+" "+path] = string(body)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case path == "/V1/attributeMetadata/customer":
		io.WriteString(w, customerMetadata)
	case path == "/V1/attributeMetadata/customerAddress":
		io.WriteString(w, addressMetadata)
	case path == "/V1/customerGroups/search":
		page := r.URL.Query().Get("searchCriteria[currentPage]")
		if page == "1" {
			io.WriteString(w, `{"items":[{"id":0,"code":"NOT LOGGED IN","tax_class_id":3},{"id":1,"code":"General","tax_class_id":3}],"search_criteria":{},"total_count":3}`)
		} else {
			io.WriteString(w, `{"items":[{"id":4,"code":"VIP","tax_class_id":3}],"search_criteria":{},"total_count":3}`)
		}
	case path == "/V1/customerGroups" && r.Method == "POST":
		io.WriteString(w, `{"id":5,"code":"Gold","tax_class_id":3,"tax_class_name":"Retail Customer"}`)
	case path == "/V1/customerGroups/4" && r.Method == "PUT":
		io.WriteString(w, `{"id":4,"code":"VIP","tax_class_id":4}`)
	case path == "/V1/customers/jdoe@example.com/activate":
		io.WriteString(w, `{"id":7,"email":"jdoe@example.com","firstname":"Jane","lastname":"Doe","website_id":1,"addresses":[],
			"extension_attributes":{"is_subscribed":true},
			"custom_attributes":[{"attribute_code":"preferred_channel","value":"5"},{"attribute_code":"interests","value":["7","9"]}]}`)
	case path == "/V1/customers/7/confirm":
		io.WriteString(w, `"account_confirmed"`)
	case path == "/V1/customers/isEmailAvailable":
		io.WriteString(w, strconv.FormatBool(s.answerAvailable))
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Request does not match any route."}`)
	}
}

func TestMetadata(t *testing.T) {
	s := &customStore{}
	c := newClient(t, s, nil)
	md, err := c.Metadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &mageseed.Metadata{
		CustomerAttributes: []mageseed.Attribute{
			{Code: "firstname", Input: "text", Label: "First Name", Required: true, System: true, Validation: map[string]string{"max_text_length": "255"}},
			{Code: "preferred_channel", Input: "select", Label: "Preferred Channel", UserDefined: true,
				Options: []mageseed.Option{{Label: " ", Value: ""}, {Label: "Email", Value: "4"}, {Label: "Phone", Value: "5"}}},
		},
		AddressAttributes: []mageseed.Attribute{{Code: "street", Input: "multiline", Label: "Street Address", Required: true, System: true, MultilineCount: 3}},
		Groups:            []mageseed.Group{{ID: 0, Code: "NOT LOGGED IN", TaxClassID: 3}, {ID: 1, Code: "General", TaxClassID: 3}, {ID: 4, Code: "VIP", TaxClassID: 3}},
		StreetLines:       3,
	}
	if diff := cmp.Diff(want, md); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	wantReqs := []string{"GET /V1/attributeMetadata/customer", "GET /V1/attributeMetadata/customerAddress",
		"GET /V1/customerGroups/search", "GET /V1/customerGroups/search"}
	if diff := cmp.Diff(wantReqs, s.got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestGroupWrites(t *testing.T) {
	s := &customStore{}
	c := newClient(t, s, nil)
	ctx := context.Background()
	g, err := c.CreateGroup(ctx, mageseed.Group{Key: "gold", Code: "Gold"})
	if err != nil {
		t.Fatal(err)
	}
	if g != (mageseed.Group{Key: "gold", ID: 5, Code: "Gold", TaxClassID: 3}) {
		t.Errorf("created %+v", g)
	}
	if got := s.bodies["POST /V1/customerGroups"]; got != `{"group":{"code":"Gold","tax_class_id":3}}` {
		t.Errorf("create body %s: want the default tax class 3 sent", got)
	}
	if _, err := c.UpdateGroup(ctx, mageseed.Group{ID: 4, Code: "VIP", TaxClassID: 4}); err != nil {
		t.Fatal(err)
	}
	if got := s.bodies["PUT /V1/customerGroups/4"]; got != `{"group":{"id":4,"code":"VIP","tax_class_id":4}}` {
		t.Errorf("update body %s", got)
	}
}

func TestActivateAndConfirmation(t *testing.T) {
	s := &customStore{}
	c := newClient(t, s, nil)
	ctx := context.Background()
	cu, err := c.ActivateCustomer(ctx, mageseed.Customer{Email: "jdoe@example.com"}, "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.bodies["PUT /V1/customers/jdoe@example.com/activate"]; got != `{"confirmationKey":"0123456789abcdef0123456789abcdef"}` {
		t.Errorf("activate body %s", got)
	}
	if cu.IsSubscribed == nil || !*cu.IsSubscribed {
		t.Errorf("is_subscribed not read: %v", cu.IsSubscribed)
	}
	want := map[string]mageseed.AttributeValue{"preferred_channel": {Value: "5"}, "interests": {Value: "7,9"}}
	if diff := cmp.Diff(want, cu.CustomAttributes); diff != "" {
		t.Errorf("custom attributes (-want +got):\n%s", diff)
	}
	st, err := c.ConfirmationStatus(ctx, 7)
	if err != nil || st != magento.Confirmed {
		t.Errorf("confirmation status %q, %v; want %q", st, err, magento.Confirmed)
	}
	scope, err := c.ShareScope(ctx, "jdoe@example.com", 1, 2)
	if err != nil || scope != mageseed.ShareGlobal {
		t.Errorf("share scope %q, %v; want global (the email is not available on another website)", scope, err)
	}
	var probe map[string]any
	if err := json.Unmarshal([]byte(s.bodies["POST /V1/customers/isEmailAvailable"]), &probe); err != nil || probe["websiteId"] != float64(2) {
		t.Errorf("isEmailAvailable body %s", s.bodies["POST /V1/customers/isEmailAvailable"])
	}
}

// TestShareScopeUnknown shows a store that calls every email available
// (Magento 2.4.7's default, guest checkout login off): the scope is
// unknown after one question, never taken for website scope.
func TestShareScopeUnknown(t *testing.T) {
	s := &customStore{answerAvailable: true}
	c := newClient(t, s, nil)
	scope, err := c.ShareScope(context.Background(), "jdoe@example.com", 1, 2)
	if err != nil || scope != "" {
		t.Errorf("share scope %q, %v; want unknown", scope, err)
	}
	if len(s.got) != 1 {
		t.Errorf("requests %v, want one", s.got)
	}
}

// TestCustomAttributesSent shows an update's body: the custom attributes
// sorted by code, never null, and is_subscribed under extension_attributes.
func TestCustomAttributesSent(t *testing.T) {
	var body []byte
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		io.WriteString(w, `{"id":7,"email":"jdoe@example.com","addresses":[]}`)
	}), nil)
	sub := true
	_, err := c.UpdateCustomer(context.Background(), mageseed.Customer{
		ID: 7, Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1, IsSubscribed: &sub,
		CustomAttributes: map[string]mageseed.AttributeValue{"zeta": {Value: "z"}, "alpha": {Value: ""}, "loyalty_number": {Value: "L-1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Customer struct {
			Extension map[string]any   `json:"extension_attributes"`
			Custom    []map[string]any `json:"custom_attributes"`
		} `json:"customer"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"attribute_code": "alpha", "value": ""}, {"attribute_code": "loyalty_number", "value": "L-1"}, {"attribute_code": "zeta", "value": "z"}}
	if diff := cmp.Diff(want, req.Customer.Custom); diff != "" {
		t.Errorf("custom_attributes (-want +got):\n%s", diff)
	}
	if req.Customer.Extension["is_subscribed"] != true {
		t.Errorf("extension_attributes %v, want is_subscribed true", req.Customer.Extension)
	}
}
