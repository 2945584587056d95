package sandbox_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// waitBulk waits until the sandbox's consumer has run every queued
// operation, then returns the bulk's detailed status, which must show none
// open.
func (s *store) waitBulk(uuid string) magento.DetailedBulkStatus {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.sb.WaitIdle(ctx); err != nil {
		s.tb.Fatalf("bulk %s: wait for the consumer: %v", uuid, err)
	}
	var st magento.DetailedBulkStatus
	s.ok("GET", "/rest/V1/bulk/"+uuid+"/detailed-status", s.admin, nil, &st)
	for _, op := range st.OperationsList {
		if op.Status == magento.OperationOpen {
			s.tb.Fatalf("bulk %s: operation %d still open with the consumer idle: %+v", uuid, op.ID, st)
		}
	}
	return st
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestAsyncBulk checks the async bulk route: a 202 with one accepted item
// per body, then operations that succeed or fail one by one, with
// Magento's status codes and messages, and passwords kept out of sight.
func TestAsyncBulk(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	s.create(customerBody("exists@example.com"))
	body := []any{
		customerBody("bulk-a@example.com"),
		customerBody("exists@example.com"),
		withPassword("bulk-b@example.com", "weak"),
		customerBody("bulk-c@example.com"),
	}
	var resp magento.AsyncResponse
	r := s.do("POST", "/rest/default/async/bulk/V1/customers", s.admin, body)
	if r.status != 202 {
		t.Fatalf("status = %d, want 202 (body %s)", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Errors || len(resp.RequestItems) != 4 {
		t.Fatalf("async response = %+v, want 4 items and no errors", resp)
	}
	for i, it := range resp.RequestItems {
		if it.ID != i || it.Status != "accepted" || !hexHash.MatchString(it.DataHash) {
			t.Errorf("item %d = %+v, want id %d, accepted, a sha256 hex hash", i, it, i)
		}
	}
	st := s.waitBulk(resp.BulkUUID)
	type outcome struct {
		Status  int
		Message string
	}
	var got []outcome
	for _, op := range st.OperationsList {
		msg := ""
		if op.ResultMessage != nil {
			msg = *op.ResultMessage
		}
		got = append(got, outcome{op.Status, msg})
		if op.TopicName != "async.magento.customer.api.accountmanagementinterface.createaccount.post" || op.BulkUUID != resp.BulkUUID {
			t.Errorf("operation %d topic, bulk = %q, %q", op.ID, op.TopicName, op.BulkUUID)
		}
		if op.SerializedData != nil && strings.Contains(*op.SerializedData, "Password1") {
			t.Errorf("operation %d serialized_data holds the password: %s", op.ID, *op.SerializedData)
		}
	}
	success := `Service execution success Magento\Customer\Model\AccountManagement\Interceptor::createAccount`
	want := []outcome{
		{1, success},
		{3, "A customer with the same email address already exists in an associated website."},
		{3, "The password needs at least 8 characters. Create a new password and try again."},
		{1, success},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operation outcomes mismatch (-want +got):\n%s", diff)
	}
	if st.OperationsList[0].SerializedData != nil || st.OperationsList[1].SerializedData == nil {
		t.Errorf("serialized_data: success %v, failure %v; want null for the success only", st.OperationsList[0].SerializedData, st.OperationsList[1].SerializedData)
	}
	var created magento.CustomerData
	if err := json.Unmarshal([]byte(*st.OperationsList[0].ResultSerializedData), &created); err != nil || created.Email != "bulk-a@example.com" {
		t.Errorf("result_serialized_data = %v (%v), want the created customer", created, err)
	}
	if st.OperationCount != 4 || st.UserType != 2 || st.UserID != 1 ||
		st.Description != "Topic async.magento.customer.api.accountmanagementinterface.createaccount.post" {
		t.Errorf("bulk = count %d user %d/%d description %q", st.OperationCount, st.UserType, st.UserID, st.Description)
	}

	var short map[string]any
	s.ok("GET", "/rest/V1/bulk/"+resp.BulkUUID+"/status", s.admin, nil, &short)
	op1 := short["operations_list"].([]any)[1].(map[string]any)
	wantOp := map[string]any{"id": float64(1), "status": float64(3), "error_code": float64(0),
		"result_message": "A customer with the same email address already exists in an associated website."}
	if diff := cmp.Diff(wantOp, op1); diff != "" {
		t.Errorf("status operation mismatch (-want +got):\n%s", diff)
	}
	for status, want := range map[int]int{1: 2, 3: 2, 4: 0} {
		var n int
		s.ok("GET", "/rest/V1/bulk/"+resp.BulkUUID+"/operation-status/"+itoa(status), s.admin, nil, &n)
		if n != want {
			t.Errorf("operations with status %d = %d, want %d", status, n, want)
		}
	}
	res := s.search(filterQuery("email", "bulk-%", "like"))
	if diff := cmp.Diff([]string{"bulk-a@example.com", "bulk-c@example.com"}, emails(res)); diff != "" {
		t.Errorf("customers created by the bulk mismatch (-want +got):\n%s", diff)
	}
	s.token("/rest/V1/integration/customer/token", "bulk-c@example.com", "Password1")
}

// TestAsyncSingle checks the single async route and its ACL on group_id.
func TestAsyncSingle(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	var resp magento.AsyncResponse
	s.ok("POST", "/rest/default/async/V1/customers", "", customerBody("single@example.com"), &resp)
	if len(resp.RequestItems) != 1 {
		t.Fatalf("items = %d, want 1", len(resp.RequestItems))
	}
	st := s.waitBulk(resp.BulkUUID)
	if st.OperationsList[0].Status != magento.OperationComplete || st.UserType != 4 {
		t.Errorf("operation status %d, user type %d; want 1, 4 (guest)", st.OperationsList[0].Status, st.UserType)
	}
	wantError(t, s.do("POST", "/rest/default/async/V1/customers", "", with("g@example.com", map[string]any{"group_id": 2})), 401,
		errorBody{Message: "The consumer isn't authorized to access %resources.", Parameters: map[string]any{"resources": "Magento_Customer::manage"}})
	s.ok("POST", "/rest/default/async/V1/customers", s.admin, with("g@example.com", map[string]any{"group_id": 2}), &resp)
	st = s.waitBulk(resp.BulkUUID)
	var c magento.CustomerData
	if err := json.Unmarshal([]byte(*st.OperationsList[0].ResultSerializedData), &c); err != nil || *c.GroupID != 2 {
		t.Errorf("admin async create group = %v (%v), want 2", c.GroupID, err)
	}
}

// TestWaitIdle checks WaitIdle's ends: at once when nothing is queued, and
// an error once the sandbox is closed. That it waits for queued operations
// is checked by every waitBulk, which fails on an operation still open.
func TestWaitIdle(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.WaitIdle(ctx); err != nil {
		t.Errorf("WaitIdle with nothing queued = %v, want nil", err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitIdle(ctx); err == nil {
		t.Error("WaitIdle on a closed sandbox = nil, want an error")
	}
}
