package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// The contract test checks the sandbox's answers against the definitions of
// Adobe's OpenAPI schema for Magento 2.4.8 (a vendored subset, see
// testdata/openapi/README.md), turned into a strict JSON Schema: an object
// may hold only the properties its definition names, and a property typed
// string, integer or object may not be null.

// contractDeviations are the places where real Magento answers differ from
// Adobe's definitions; the sandbox answers as Magento does, so the schema is
// relaxed there and only there.
var contractDeviations = []struct {
	definition, property string
	why                  string
	patch                func(def map[string]any)
}{
	{
		definition: "error-parameters",
		why: "Magento renders named placeholders as an object ({\"fieldName\": \"email\"}) and " +
			"positional ones as a list of values ([\"First Name\"]), never as the list of objects the schema declares",
		patch: func(def map[string]any) {
			orig := map[string]any{}
			for k, v := range def {
				orig[k] = v
				delete(def, k)
			}
			def["anyOf"] = []any{
				orig,
				map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []any{"string", "number"}}},
				map[string]any{"type": "array", "items": map[string]any{"type": []any{"string", "number"}}},
			}
		},
	},
	{
		definition: "asynchronous-operations-data-summary-operation-status-interface",
		property:   "error_code",
		why:        "Magento writes \"error_code\": null for an operation without error (as a real store answers)",
		patch:      nullable("error_code"),
	},
	{
		definition: "asynchronous-operations-data-operation-interface",
		property:   "error_code",
		why:        "Magento writes \"error_code\": null for an operation without error (as a real store answers)",
		patch:      nullable("error_code"),
	},
	{
		definition: "asynchronous-operations-data-operation-interface",
		property:   "serialized_data",
		why:        "Magento writes \"serialized_data\": null in the detailed status (as a real store answers)",
		patch:      nullable("serialized_data"),
	},
}

// nullable returns a patch that lets property be null besides its type.
func nullable(property string) func(def map[string]any) {
	return func(def map[string]any) {
		props := def["properties"].(map[string]any)
		p := props[property].(map[string]any)
		p["type"] = []any{p["type"], "null"}
	}
}

// contractNulls are the JSON paths (with [] for any index) where a null is
// allowed, by contractDeviations.
var contractNulls = map[string]bool{
	"operations_list[].error_code":      true,
	"operations_list[].serialized_data": true,
}

// contractSchemas compiles the vendored definitions into a strict JSON
// Schema and returns a validator per definition name. A name "list:X" is a
// JSON array of X.
func contractSchemas(tb testing.TB) func(name string) *jsonschema.Schema {
	tb.Helper()
	defs := map[string]any{}
	for _, file := range []string{"admin-schema-2.4.8-subset.yaml", "async-response.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "openapi", file))
		if err != nil {
			tb.Fatal(err)
		}
		var doc struct {
			Definitions map[string]any `yaml:"definitions"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			tb.Fatalf("read %s: %v", file, err)
		}
		for name, def := range doc.Definitions {
			if _, dup := defs[name]; dup {
				tb.Fatalf("read %s: definition %s twice", file, name)
			}
			defs[name] = def
		}
	}
	for name := range defs {
		strict(defs[name])
	}
	for _, d := range contractDeviations {
		def, ok := defs[d.definition].(map[string]any)
		if !ok {
			tb.Fatalf("deviation for %s: no such definition", d.definition)
		}
		d.patch(def)
	}
	for name := range defs {
		defs["list:"+name] = map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/" + name}}
	}
	doc, err := json.Marshal(map[string]any{"definitions": defs})
	if err != nil {
		tb.Fatalf("encode schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	const url = "mem://openapi-2.4.8.json"
	if err := c.AddResource(url, bytes.NewReader(doc)); err != nil {
		tb.Fatalf("load schema: %v", err)
	}
	cache := map[string]*jsonschema.Schema{}
	return func(name string) *jsonschema.Schema {
		tb.Helper()
		if s, ok := cache[name]; ok {
			return s
		}
		s, err := c.Compile(url + "#/definitions/" + strings.ReplaceAll(name, "/", "~1"))
		if err != nil {
			tb.Fatalf("compile definition %s: %v", name, err)
		}
		cache[name] = s
		return s
	}
}

// strict forbids, in v and every schema below it, properties that an object
// definition does not name. Swagger definitions allow them by default.
func strict(v any) {
	switch v := v.(type) {
	case map[string]any:
		if v["type"] == "object" {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for _, sub := range v {
			strict(sub)
		}
	case []any:
		for _, sub := range v {
			strict(sub)
		}
	}
}

// describe lists the leaf causes of a validation error, one a line.
func describe(err error) string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	var lines []string
	for _, u := range ve.BasicOutput().Errors {
		if u.Error != "" && !strings.HasPrefix(u.Error, "doesn't validate with") {
			lines = append(lines, fmt.Sprintf("  at %q: %s", u.InstanceLocation, u.Error))
		}
	}
	return strings.Join(lines, "\n")
}

// nullPaths lists the paths of the nulls in v, with [] for list indexes.
func nullPaths(v any, path string, out *[]string) {
	switch v := v.(type) {
	case nil:
		*out = append(*out, path)
	case map[string]any:
		for k, sub := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			nullPaths(sub, p, out)
		}
	case []any:
		for _, sub := range v {
			nullPaths(sub, path+"[]", out)
		}
	}
}

// contractCheck validates body against the definition and reports nulls
// outside contractNulls.
func contractCheck(t *testing.T, schema func(string) *jsonschema.Schema, definition string, body []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	if err := schema(definition).Validate(v); err != nil {
		t.Errorf("answer does not match %s:\n%s\nanswer: %s", definition, describe(err), body)
	}
	var nulls []string
	nullPaths(v, "", &nulls)
	var bad []string
	for _, p := range nulls {
		if !contractNulls[p] {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("answer has null fields %v, want them omitted\nanswer: %s", bad, body)
	}
}

func TestContract(t *testing.T) {
	schema := contractSchemas(t)
	profile, err := sandbox.ParseProfile("store.yaml", []byte(`customerAttributes:
  - {code: loyalty_number, input: text, maxLength: 20}
  - {code: preferred_channel, input: select, options: [Email, Phone]}
addressAttributes:
  - {code: delivery_notes, input: textarea}
config: {confirmAccounts: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	oauth := magento.OAuthCredentials{
		ConsumerKey: "ck0123456789abcdef0123456789abcd", ConsumerSecret: "cs0123456789abcdef0123456789abcd",
		AccessToken: "at0123456789abcdef0123456789abcd", AccessTokenSecret: "as0123456789abcdef0123456789abcd",
	}
	s := edgeServe(t, sandbox.Options{ExtraWebsites: []sandbox.Website{{Code: "second"}}, OAuth: &oauth, Profile: profile})
	hc := s.Client()
	must := func(method, path, token string, body any, want int) edgeResponse {
		t.Helper()
		r := edgeMust(t, hc, method, s.URL+path, token, body)
		if r.status != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
		}
		return r
	}

	// The state the answers below describe: Jane with one address, a
	// second customer made by an admin with a group, a token, an async
	// bulk.
	const email = "jdoe@example.com"
	created := must(http.MethodPost, "/rest/default/V1/customers", edgeToken, edgeCustomer(email), http.StatusOK)
	var jane magento.CustomerData
	if err := json.Unmarshal(created.body, &jane); err != nil {
		t.Fatalf("decode created customer %q: %v", created.body, err)
	}
	if len(jane.Addresses) != 1 {
		t.Fatalf("created customer has %d addresses, want 1: %s", len(jane.Addresses), created.body)
	}
	id, addrID := strconv.Itoa(jane.ID), strconv.Itoa(jane.Addresses[0].ID)
	withGroup := edgeCustomer("group@example.com")
	withGroup["customer"].(map[string]any)["group_id"] = 2
	withGroup["customer"].(map[string]any)["dob"] = "1980-02-03"
	withGroup["customer"].(map[string]any)["gender"] = 2
	withGroup["customer"].(map[string]any)["custom_attributes"] = []any{
		map[string]any{"attribute_code": "loyalty_number", "value": "L-1001"},
		map[string]any{"attribute_code": "preferred_channel", "value": "4"},
	}
	withGroup["customer"].(map[string]any)["extension_attributes"] = map[string]any{"is_subscribed": true}
	withGroup["customer"].(map[string]any)["addresses"].([]any)[0].(map[string]any)["custom_attributes"] = []any{
		map[string]any{"attribute_code": "delivery_notes", "value": "Ring twice"},
	}
	grouped := must(http.MethodPost, "/rest/V1/customers", edgeToken, withGroup, http.StatusOK)
	var second magento.CustomerData
	if err := json.Unmarshal(grouped.body, &second); err != nil {
		t.Fatalf("decode created customer %q: %v", grouped.body, err)
	}
	// The profile requires email confirmation: activate Jane to sign in.
	must(http.MethodPut, "/rest/V1/customers/"+email+"/activate", edgeToken, map[string]any{"confirmationKey": jane.Confirmation}, http.StatusOK)
	customerToken := edgeLogin(t, s, "/rest/default/V1/integration/customer/token", email, "Password1")
	bulk := must(http.MethodPost, "/rest/default/async/bulk/V1/customers", edgeToken,
		[]any{edgeCustomer("bulk-1@example.com"), edgeCustomer("bulk-2@example.com")}, http.StatusAccepted)
	var async magento.AsyncResponse
	if err := json.Unmarshal(bulk.body, &async); err != nil {
		t.Fatalf("decode async answer %q: %v", bulk.body, err)
	}
	edgeWaitBulk(t, s, async.BulkUUID)

	searchEmail := edgeSearchEmail(email)
	searchAll := "/rest/V1/customers/search?" + strings.Join([]string{
		"searchCriteria[filterGroups][0][filters][0][field]=email",
		"searchCriteria[filterGroups][0][filters][0][value]=%25example.com",
		"searchCriteria[filterGroups][0][filters][0][conditionType]=like",
		"searchCriteria[sortOrders][0][field]=email",
		"searchCriteria[sortOrders][0][direction]=DESC",
		"searchCriteria[pageSize]=2",
		"searchCriteria[currentPage]=1",
	}, "&")
	update := map[string]any{"customer": map[string]any{
		"id": jane.ID, "email": email, "firstname": "Janet", "lastname": "Doe", "website_id": 1,
	}}
	partial := map[string]any{"customer": map[string]any{"firstname": "Janet"}}
	addressPatch := map[string]any{"customer": map[string]any{"addresses": []any{map[string]any{"id": jane.Addresses[0].ID, "city": "Albany"}}}}
	threeLines := edgeCustomer("lines@example.com")
	threeLines["customer"].(map[string]any)["addresses"].([]any)[0].(map[string]any)["street"] = []string{"1", "2", "3"}
	var groups []string
	for i := range 21 {
		groups = append(groups, fmt.Sprintf("searchCriteria[filterGroups][%d][filters][0][field]=email&searchCriteria[filterGroups][%d][filters][0][value]=x", i, i))
	}

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		definition                string
	}{
		{"create customer", http.MethodPost, "/rest/V1/customers", "", edgeCustomer("other@example.com"), 200, "customer-data-customer-interface"},
		{"get customer", http.MethodGet, "/rest/V1/customers/" + id, edgeToken, nil, 200, "customer-data-customer-interface"},
		{"get me", http.MethodGet, "/rest/V1/customers/me", customerToken, nil, 200, "customer-data-customer-interface"},
		{"update customer", http.MethodPut, "/rest/V1/customers/" + id, edgeToken, update, 200, "customer-data-customer-interface"},
		{"search by email", http.MethodGet, searchEmail, edgeToken, nil, 200, "customer-data-customer-search-results-interface"},
		{"search sorted and paged", http.MethodGet, searchAll, edgeToken, nil, 200, "customer-data-customer-search-results-interface"},
		{"search without filters", http.MethodGet, "/rest/V1/customers/search?searchCriteria=", edgeToken, nil, 200, "customer-data-customer-search-results-interface"},
		{"get address", http.MethodGet, "/rest/V1/customers/addresses/" + addrID, edgeToken, nil, 200, "customer-data-address-interface"},
		{"billing address", http.MethodGet, "/rest/V1/customers/" + id + "/billingAddress", edgeToken, nil, 200, "customer-data-address-interface"},
		{"my shipping address", http.MethodGet, "/rest/V1/customers/me/shippingAddress", customerToken, nil, 200, "customer-data-address-interface"},
		{"country US", http.MethodGet, "/rest/V1/directory/countries/US", "", nil, 200, "directory-data-country-information-interface"},
		{"country GB", http.MethodGet, "/rest/V1/directory/countries/GB", "", nil, 200, "directory-data-country-information-interface"},
		{"countries", http.MethodGet, "/rest/V1/directory/countries", "", nil, 200, "list:directory-data-country-information-interface"},
		{"websites", http.MethodGet, "/rest/V1/store/websites", edgeToken, nil, 200, "list:store-data-website-interface"},
		{"store views", http.MethodGet, "/rest/V1/store/storeViews", edgeToken, nil, 200, "list:store-data-store-interface"},
		{"store configs", http.MethodGet, "/rest/V1/store/storeConfigs", edgeToken, nil, 200, "list:store-data-store-config-interface"},
		{"group search", http.MethodGet, "/rest/V1/customerGroups/search?searchCriteria=", edgeToken, nil, 200, "customer-data-group-search-results-interface"},
		{"group", http.MethodGet, "/rest/V1/customerGroups/1", edgeToken, nil, 200, "customer-data-group-interface"},
		{"create group", http.MethodPost, "/rest/V1/customerGroups", edgeToken, map[string]any{"group": map[string]any{"code": "VIP", "tax_class_id": 3}}, 200, "customer-data-group-interface"},
		{"update group", http.MethodPut, "/rest/V1/customerGroups/2", edgeToken, map[string]any{"group": map[string]any{"code": "Wholesale", "tax_class_id": 3}}, 200, "customer-data-group-interface"},
		{"customer with custom attributes", http.MethodGet, "/rest/V1/customers/" + strconv.Itoa(second.ID), edgeToken, nil, 200, "customer-data-customer-interface"},
		{"activate", http.MethodPut, "/rest/V1/customers/" + second.Email + "/activate", edgeToken, map[string]any{"confirmationKey": second.Confirmation}, 200, "customer-data-customer-interface"},
		{"customer attributes", http.MethodGet, "/rest/V1/attributeMetadata/customer", edgeToken, nil, 200, "list:customer-data-attribute-metadata-interface"},
		{"custom customer attributes", http.MethodGet, "/rest/V1/attributeMetadata/customer/custom", edgeToken, nil, 200, "list:customer-data-attribute-metadata-interface"},
		{"customer form", http.MethodGet, "/rest/V1/attributeMetadata/customer/form/adminhtml_customer", edgeToken, nil, 200, "list:customer-data-attribute-metadata-interface"},
		{"customer attribute", http.MethodGet, "/rest/V1/attributeMetadata/customer/attribute/preferred_channel", edgeToken, nil, 200, "customer-data-attribute-metadata-interface"},
		{"address attributes", http.MethodGet, "/rest/V1/attributeMetadata/customerAddress", edgeToken, nil, 200, "list:customer-data-attribute-metadata-interface"},
		{"custom address attributes", http.MethodGet, "/rest/V1/attributeMetadata/customerAddress/custom", edgeToken, nil, 200, "list:customer-data-attribute-metadata-interface"},
		{"address form", http.MethodGet, "/rest/V1/attributeMetadata/customerAddress/form/customer_address_edit", edgeToken, nil, 200, "list:customer-data-attribute-metadata-interface"},
		{"address attribute", http.MethodGet, "/rest/V1/attributeMetadata/customerAddress/attribute/street", edgeToken, nil, 200, "customer-data-attribute-metadata-interface"},
		{"error: unknown attribute", http.MethodGet, "/rest/V1/attributeMetadata/customer/attribute/nope", edgeToken, nil, 404, "error-response"},
		{"error: not confirmed", http.MethodPost, "/rest/V1/integration/customer/token", "", map[string]any{"username": "other@example.com", "password": "Password1"}, 401, "error-response"},
		{"error: group exists", http.MethodPost, "/rest/V1/customerGroups", edgeToken, map[string]any{"group": map[string]any{"code": "General", "tax_class_id": 3}}, 400, "error-response"},
		{"async create", http.MethodPost, "/rest/default/async/V1/customers", edgeToken, edgeCustomer("async@example.com"), 202, "asynchronous-operations-data-async-response-interface"},
		{"async bulk create", http.MethodPost, "/rest/default/async/bulk/V1/customers", edgeToken, []any{edgeCustomer("bulk-3@example.com"), edgeCustomer(email)}, 202, "asynchronous-operations-data-async-response-interface"},
		{"bulk status", http.MethodGet, "/rest/V1/bulk/" + async.BulkUUID + "/status", edgeToken, nil, 200, "asynchronous-operations-data-bulk-operations-status-interface"},
		{"bulk detailed status", http.MethodGet, "/rest/V1/bulk/" + async.BulkUUID + "/detailed-status", edgeToken, nil, 200, "asynchronous-operations-data-detailed-bulk-operations-status-interface"},
		{"error: no such customer", http.MethodGet, "/rest/V1/customers/999999", edgeToken, nil, 404, "error-response"},
		{"error: acl", http.MethodGet, "/rest/V1/customers/" + id, "", nil, 401, "error-response"},
		{"error: already exists", http.MethodPost, "/rest/V1/customers", "", edgeCustomer(email), 400, "error-response"},
		{"error: aggregate", http.MethodPost, "/rest/V1/customers", "", map[string]any{"customer": map[string]any{"email": "x@example.com", "addresses": []any{map[string]any{"countryId": "US"}}}}, 400, "error-response"},
		{"error: password policy", http.MethodPost, "/rest/V1/customers", "", map[string]any{"customer": map[string]any{"email": "p@example.com", "firstname": "P", "lastname": "Q"}, "password": "short"}, 400, "error-response"},
		{"error: no route", http.MethodGet, "/rest/V1/nowhere", edgeToken, nil, 404, "error-response"},
		{"error: decoding", http.MethodPost, "/rest/V1/customers", "", "{not json", 400, "error-response"},
		{"error: search without criteria", http.MethodGet, "/rest/V1/customers/search", edgeToken, nil, 400, "error-response"},
		{"error: unknown bulk", http.MethodGet, "/rest/V1/bulk/00000000-0000-0000-0000-000000000000/status", edgeToken, nil, 404, "error-response"},
		{"partial update", http.MethodPut, "/rest/V1/customers/" + id, edgeToken, partial, 200, "customer-data-customer-interface"},
		{"partial address update", http.MethodPut, "/rest/V1/customers/" + id, edgeToken, addressPatch, 200, "customer-data-customer-interface"},
		{"error: type in the body", http.MethodPost, "/rest/V1/customers", "", map[string]any{"customer": map[string]any{"email": "t@example.com", "gender": "x"}}, 400, "error-response"},
		{"error: type in the path", http.MethodGet, "/rest/V1/customers/abc", edgeToken, nil, 400, "error-response"},
		{"error: street lines", http.MethodPost, "/rest/V1/customers", "", threeLines, 400, "error-response"},
		{"error: default group of an unknown store", http.MethodGet, "/rest/V1/customerGroups/default/99", edgeToken, nil, 404, "error-response"},
		{"error: too many filter groups", http.MethodGet, "/rest/V1/customers/search?" + strings.Join(groups, "&"), edgeToken, nil, 400, "error-response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := edgeMust(t, hc, tt.method, s.URL+tt.path, tt.token, tt.body)
			if r.status != tt.status {
				t.Fatalf("%s %s: status %d, want %d: %s", tt.method, tt.path, r.status, tt.status, r.body)
			}
			contractCheck(t, schema, tt.definition, r.body)
		})
	}

	// OAuth refusals are in the same envelope (Magento\Framework\Oauth\Oauth
	// through ErrorProcessor::maskException).
	for _, tt := range []struct {
		name   string
		edit   func(p map[string]string)
		status int
	}{
		{"error: oauth signature method", func(p map[string]string) { p["oauth_signature_method"] = "HMAC-SHA1" }, 400},
		{"error: oauth parameters missing", func(p map[string]string) { delete(p, "oauth_nonce"); delete(p, "oauth_token") }, 400},
		{"error: oauth unknown consumer", func(p map[string]string) { p["oauth_consumer_key"] = strings.Repeat("k", 32) }, 401},
		{"error: oauth signature", func(p map[string]string) { p["oauth_signature"] = "eA==" }, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/rest/V1/store/websites", nil)
			p := map[string]string{"oauth_consumer_key": oauth.ConsumerKey, "oauth_token": oauth.AccessToken, "oauth_nonce": tt.name,
				"oauth_timestamp": strconv.FormatInt(time.Now().Unix(), 10), "oauth_signature_method": "HMAC-SHA256", "oauth_signature": "x"}
			tt.edit(p)
			var h []string
			for k, v := range p {
				h = append(h, k+`="`+v+`"`)
			}
			req.Header.Set("Authorization", "OAuth "+strings.Join(h, ","))
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, buf.Bytes())
			}
			contractCheck(t, schema, "error-response", buf.Bytes())
		})
	}

	// Types that the schema checks only loosely or that clients rely on.
	t.Run("customer field types", func(t *testing.T) {
		r := must(http.MethodGet, "/rest/V1/customers/"+id, edgeToken, nil, http.StatusOK)
		var raw map[string]any
		if err := json.Unmarshal(r.body, &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"default_billing", "default_shipping"} {
			if got, ok := raw[k].(string); !ok || got != addrID {
				t.Errorf("%s = %#v, want the address id as a string %q", k, raw[k], addrID)
			}
		}
		for _, k := range []string{"created_at", "updated_at"} {
			s, _ := raw[k].(string)
			if _, err := time.Parse(time.DateTime, s); err != nil {
				t.Errorf("%s = %#v, want YYYY-MM-DD HH:MM:SS", k, raw[k])
			}
		}
		addr := raw["addresses"].([]any)[0].(map[string]any)
		region := addr["region"].(map[string]any)
		if got := fmt.Sprint(region["region_id"], " ", addr["region_id"], " ", region["region_code"]); got != "43 43 NY" {
			t.Errorf("region_id, address region_id, region_code = %s, want 43 43 NY (numbers)", got)
		}
		for _, k := range []string{"middlename", "prefix", "suffix", "dob", "taxvat", "gender", "confirmation"} {
			if v, ok := raw[k]; ok {
				t.Errorf("unset field %s is present as %#v, want it omitted", k, v)
			}
		}
	})
	t.Run("region ids are strings in the directory", func(t *testing.T) {
		r := must(http.MethodGet, "/rest/V1/directory/countries/US", "", nil, http.StatusOK)
		var raw struct {
			AvailableRegions []map[string]any `json:"available_regions"`
		}
		if err := json.Unmarshal(r.body, &raw); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, reg := range raw.AvailableRegions {
			if reg["code"] == "NY" {
				found = true
				if reg["id"] != "43" {
					t.Errorf("NY region id = %#v, want the string \"43\"", reg["id"])
				}
			}
		}
		if !found {
			t.Errorf("US has no NY region: %s", r.body)
		}
	})
}

// edgeWaitBulk waits until the sandbox's consumer has run every queued
// operation and returns the status of the bulk uuid, which must show none
// open; it gives up after ten seconds.
func edgeWaitBulk(tb testing.TB, s *edgeServer, uuid string) magento.BulkStatus {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.sb.WaitIdle(ctx); err != nil {
		tb.Fatalf("bulk %s: wait for the consumer: %v", uuid, err)
	}
	r := edgeMust(tb, s.Client(), http.MethodGet, s.URL+"/rest/V1/bulk/"+uuid+"/status", edgeToken, nil)
	if r.status != http.StatusOK {
		tb.Fatalf("bulk %s status: %d: %s", uuid, r.status, r.body)
	}
	var st magento.BulkStatus
	if err := json.Unmarshal(r.body, &st); err != nil {
		tb.Fatalf("bulk %s status: decode %q: %v", uuid, r.body, err)
	}
	for _, op := range st.OperationsList {
		if op.Status == magento.OperationOpen {
			tb.Fatalf("bulk %s: operation %d still open with the consumer idle: %s", uuid, op.ID, r.body)
		}
	}
	return st
}

// TestContractCheckerRejects makes sure that the contract test can fail:
// answers that break the definitions in the ways a store could are caught.
func TestContractCheckerRejects(t *testing.T) {
	schema := contractSchemas(t)
	tests := []struct {
		name, definition, body string
	}{
		{"default_billing as a number", "customer-data-customer-interface", `{"email":"a@b.c","firstname":"A","lastname":"B","default_billing":12}`},
		{"null middlename", "customer-data-customer-interface", `{"email":"a@b.c","firstname":"A","lastname":"B","middlename":null}`},
		{"camelCase key", "customer-data-customer-interface", `{"email":"a@b.c","firstname":"A","lastname":"B","groupId":1}`},
		{"missing lastname", "customer-data-customer-interface", `{"email":"a@b.c","firstname":"A"}`},
		{"region_id as a string", "customer-data-address-interface", `{"region_id":"43"}`},
		{"region without region_code", "customer-data-address-interface", `{"region":{"region":"New York","region_id":43}}`},
		{"directory region id as a number", "directory-data-country-information-interface", `{"id":"US","available_regions":[{"id":43,"code":"NY","name":"New York"}]}`},
		{"search results without total_count", "customer-data-customer-search-results-interface", `{"items":[],"search_criteria":{"filter_groups":[]}}`},
		{"error without message", "error-response", `{"parameters":{"fieldName":"email"}}`},
		{"websites as an object", "list:store-data-website-interface", `{"id":1}`},
		{"async response without bulk_uuid", "asynchronous-operations-data-async-response-interface", `{"request_items":[],"errors":false}`},
		{"validation rule value as a number", "customer-data-validation-rule-interface", `{"name":"max_text_length","value":255}`},
		{"option without label", "customer-data-option-interface", `{"value":"4"}`},
		{"bulk status without operation_count", "asynchronous-operations-data-bulk-operations-status-interface", `{"operations_list":[],"user_type":2,"bulk_id":"x","description":"d","start_time":"2026-01-01 00:00:00","user_id":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			dec := json.NewDecoder(strings.NewReader(tt.body))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			schemaErr := schema(tt.definition).Validate(v)
			var nulls []string
			nullPaths(v, "", &nulls)
			if schemaErr == nil && len(nulls) == 0 {
				t.Errorf("%s accepted %s", tt.definition, tt.body)
			}
		})
	}
}
