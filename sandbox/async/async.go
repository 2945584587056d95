// Package async follows Magento_WebapiAsync and
// Magento_AsynchronousOperations: POST /async/V1/customers and
// /async/bulk/V1/customers queue createAccount operations (magento_bulk,
// magento_operation), a consumer runs them one at a time like Magento's
// async.operations.all, and the /V1/bulk routes report their status.
//
// The operations themselves run through Accounts, which the customer
// module implements; the sandbox wires it in.
package async

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Async createAccount, as Magento_WebapiAsync names it.
const (
	topicCreateAccount = "async.magento.customer.api.accountmanagementinterface.createaccount.post"
	msgAsyncSuccess    = `Service execution success Magento\Customer\Model\AccountManagement\Interceptor::createAccount`
)

// Schema is the module's tables.
const Schema = `
CREATE TABLE IF NOT EXISTS magento_bulk (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	uuid            TEXT NOT NULL UNIQUE,
	user_id         INTEGER,
	user_type       INTEGER,
	description     TEXT,
	operation_count INTEGER NOT NULL,
	start_time      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS magento_operation (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	operation_key          INTEGER NOT NULL,
	bulk_uuid              TEXT NOT NULL,
	topic_name             TEXT NOT NULL,
	serialized_data        TEXT,
	result_serialized_data TEXT,
	status                 INTEGER NOT NULL,
	error_code             INTEGER,
	result_message         TEXT,
	store_id               INTEGER NOT NULL,
	allow_group            INTEGER NOT NULL DEFAULT 0,
	payload                TEXT,
	UNIQUE (bulk_uuid, operation_key)
);
CREATE INDEX IF NOT EXISTS magento_operation_status ON magento_operation (status);
`

// aclBulk is the ACL resource of the bulk status routes.
const aclBulk = "Magento_AsynchronousOperations::system_magento_logging_bulk_operations"

// maxBulkBody is the body limit of the bulk route.
const maxBulkBody = 64 << 20

// Accounts runs createAccount for queued operations (Magento_Customer's
// AccountManagementInterface, as the consumer calls it).
type Accounts interface {
	// PrepareCreate checks one createAccount body when the request
	// arrives, for the caller who, and hashes its password (or returns
	// the password policy's refusal) so that the password is never kept.
	PrepareCreate(who webapi.Identity, body any) (hasPassword bool, hash string, policyErr *webapi.Error, err error)
	// CreateQueued runs createAccount for a queued customer object in the
	// store view st and returns the customer as Magento answers it.
	CreateQueued(ctx context.Context, st webapi.Store, customer []byte, hash string, policyErr *webapi.Error) (any, error)
}

// Async is the asynchronous web API and its consumer.
type Async struct {
	db       *db.DB
	stores   webapi.Stores
	accounts Accounts
	now      func() time.Time
	consumer *consumer
}

// Start starts the consumer of asynchronous operations, which also picks
// up the operations an earlier run left open. The caller must Close it.
func Start(d *db.DB, stores webapi.Stores, accounts Accounts, now func() time.Time) *Async {
	s := &Async{db: d, stores: stores, accounts: accounts, now: now}
	s.consumer = startConsumer(s)
	return s
}

// Close stops the consumer, waiting for the operation in progress.
func (s *Async) Close() {
	s.consumer.stop()
}

// WaitIdle waits until the consumer has nothing left to do: every
// operation queued before the call has run (or the consumer met a database
// error and waits for the next request to try again). It returns ctx's
// error if ctx ends first, and ErrClosed once the consumer is stopped.
func (s *Async) WaitIdle(ctx context.Context) error {
	return s.consumer.waitIdle(ctx)
}

// ErrClosed is WaitIdle's error once the consumer is stopped.
var ErrClosed = errors.New("async: the consumer is stopped")

// Routes returns the module's routes.
func (s *Async) Routes() []webapi.Route {
	return []webapi.Route{
		{Method: "POST", Pattern: "/async/V1/customers", ACL: webapi.ACLAnonymous, Body: true, Status: http.StatusAccepted, Handle: s.asyncCreate},
		{Method: "POST", Pattern: "/async/bulk/V1/customers", ACL: webapi.ACLAnonymous, Body: true, MaxBody: maxBulkBody, Status: http.StatusAccepted, Handle: s.asyncBulkCreate},
		{Method: "GET", Pattern: "/V1/bulk/:bulkUuid/status", ACL: aclBulk, Handle: s.bulkStatus},
		{Method: "GET", Pattern: "/V1/bulk/:bulkUuid/detailed-status", ACL: aclBulk, Handle: s.bulkDetailedStatus},
		{Method: "GET", Pattern: "/V1/bulk/:bulkUuid/operation-status/:status", ACL: aclBulk, Handle: s.bulkOperationCount},
	}
}

// opPayload is what the sandbox keeps of a queued createAccount besides
// Magento's public columns. The password itself is never stored: the
// policy is checked and the password hashed when the request arrives, and
// the outcome applied when the operation runs.
type opPayload struct {
	Customer       json.RawMessage `json:"customer"`
	HasPassword    bool            `json:"has_password,omitempty"`
	PasswordHash   string          `json:"password_hash,omitempty"`
	PasswordErr    *storedError    `json:"password_error,omitempty"`
	GroupForbidden bool            `json:"group_forbidden,omitempty"`
}

type storedError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Params  any    `json:"params,omitempty"`
}

// queuedItem is one validated item of an async request.
type queuedItem struct {
	payload opPayload
	public  []byte // serialized_data: the item without its password
}

// prepareItem validates one async item as the synchronous route would
// deserialize it; any error fails the whole request.
func (s *Async) prepareItem(c *webapi.Call, item any) (queuedItem, error) {
	hasPassword, hash, policyErr, err := s.accounts.PrepareCreate(c.Who, item)
	if err != nil {
		return queuedItem{}, err
	}
	var q queuedItem
	o := item.(*webapi.Object)
	pub := &webapi.Object{}
	for i, k := range o.Keys {
		switch k {
		case "customer":
			q.payload.Customer = webapi.EncodeOrdered(o.Vals[i])
		case "password":
			continue
		}
		pub.Keys = append(pub.Keys, k)
		pub.Vals = append(pub.Vals, o.Vals[i])
	}
	q.public = webapi.EncodeOrdered(pub)
	if hasPassword {
		q.payload.HasPassword = true
		if policyErr != nil {
			q.payload.PasswordErr = &storedError{Status: policyErr.Status, Message: policyErr.Message, Params: policyErr.Params}
		} else {
			q.payload.PasswordHash = hash
		}
	}
	return q, nil
}

// asyncCreate is POST /rest/<store>/async/V1/customers.
func (s *Async) asyncCreate(c *webapi.Call) (any, error) {
	q, err := s.prepareItem(c, c.Body)
	if err != nil {
		return nil, err
	}
	return s.schedule(c, []queuedItem{q})
}

// asyncBulkCreate is POST /rest/<store>/async/bulk/V1/customers: a JSON
// array of createAccount bodies.
func (s *Async) asyncBulkCreate(c *webapi.Call) (any, error) {
	arr, ok := c.Body.([]any)
	if !ok {
		if o, isObj := c.Body.(*webapi.Object); isObj && len(o.Keys) == 0 {
			arr = nil
		} else {
			return nil, webapi.NewError(http.StatusBadRequest, "The request body must be a JSON array of operations.", nil)
		}
	}
	items := make([]queuedItem, 0, len(arr))
	for _, it := range arr {
		q, err := s.prepareItem(c, it)
		if err != nil {
			return nil, err
		}
		items = append(items, q)
	}
	return s.schedule(c, items)
}

// schedule stores a bulk of open operations and wakes the consumer.
func (s *Async) schedule(c *webapi.Call, items []queuedItem) (any, error) {
	uuid := newUUID()
	ctx := c.R.Context()
	userType, userID := webapi.UserGuestMagento, int64(0)
	switch c.Who.Type {
	case webapi.UserAdmin, webapi.UserIntegration, webapi.UserCustomer:
		userType, userID = c.Who.Type, c.Who.UID
	}
	resp := magento.AsyncResponse{BulkUUID: uuid, RequestItems: make([]magento.ItemStatus, 0, len(items))}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO magento_bulk (uuid, user_id, user_type, description, operation_count, start_time)
			VALUES (?, ?, ?, ?, ?, ?)`, uuid, userID, userType, "Topic "+topicCreateAccount, len(items), db.FormatTime(s.now()))
		if err != nil {
			return err
		}
		for i, q := range items {
			payload, err := json.Marshal(q.payload)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO magento_operation (operation_key, bulk_uuid, topic_name, serialized_data,
				status, store_id, allow_group, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				i, uuid, topicCreateAccount, string(q.public), magento.OperationOpen, c.Store.ID, 0, string(payload))
			if err != nil {
				return err
			}
			sum := sha256.Sum256(q.public)
			resp.RequestItems = append(resp.RequestItems, magento.ItemStatus{ID: i, DataHash: hex.EncodeToString(sum[:]), Status: "accepted"})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.consumer.wake()
	return resp, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// consumer runs queued operations one at a time, like Magento's
// async.operations.all consumer.
type consumer struct {
	s      *Async
	ctx    context.Context
	cancel context.CancelFunc
	kick   chan struct{}
	wg     sync.WaitGroup

	// mu guards idle, which is closed while the consumer waits for work
	// with no kick pending, and replaced by an open one when work comes.
	mu   sync.Mutex
	idle chan struct{}
}

func startConsumer(s *Async) *consumer {
	ctx, cancel := context.WithCancel(context.Background())
	// The consumer starts busy: it first looks for operations an earlier
	// run left open.
	c := &consumer{s: s, ctx: ctx, cancel: cancel, kick: make(chan struct{}, 1), idle: make(chan struct{})}
	c.wg.Add(1)
	go c.run()
	return c
}

// wake tells the consumer that operations were queued.
func (c *consumer) wake() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.idle:
		c.idle = make(chan struct{})
	default:
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// rest marks the consumer idle unless a kick is pending (work queued while
// it ran, which it runs next).
func (c *consumer) rest() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.kick) > 0 {
		return
	}
	select {
	case <-c.idle:
	default:
		close(c.idle)
	}
}

func (c *consumer) waitIdle(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	c.mu.Lock()
	idle := c.idle
	c.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-c.ctx.Done():
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop cancels the consumer and waits for it to return.
func (c *consumer) stop() {
	c.cancel()
	c.wg.Wait()
}

func (c *consumer) run() {
	defer c.wg.Done()
	for {
		// Operations left open by an earlier run are picked up too.
		for c.ctx.Err() == nil {
			done, err := c.next()
			if err != nil || done {
				break
			}
		}
		c.rest()
		select {
		case <-c.ctx.Done():
			return
		case <-c.kick:
		}
	}
}

// next runs the oldest open operation; done reports that none was left.
func (c *consumer) next() (done bool, err error) {
	ctx := c.ctx
	var (
		id      int64
		storeID int
		payload string
		public  string
	)
	err = c.s.db.R.QueryRowContext(ctx, `SELECT id, store_id, coalesce(payload, ''), coalesce(serialized_data, '')
		FROM magento_operation WHERE status = ? ORDER BY id LIMIT 1`, magento.OperationOpen).Scan(&id, &storeID, &payload, &public)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	status, message, result, code := c.run1(payload, storeID)
	if ctx.Err() != nil {
		return false, ctx.Err() // stopped mid-way: the operation stays open
	}
	var serialized any = public
	if status == magento.OperationComplete {
		serialized = nil
	}
	err = c.s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE magento_operation SET status = ?, result_message = ?, result_serialized_data = ?,
			error_code = ?, serialized_data = ?, payload = NULL WHERE id = ?`, status, message, result, code, serialized, id)
		return err
	})
	return false, err
}

// run1 runs one createAccount and returns the operation's outcome.
func (c *consumer) run1(payload string, storeID int) (status int, message string, result, code any) {
	var p opPayload
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		return magento.OperationNotRetriablyFailed, "The operation's data cannot be read.", nil, 0
	}
	st, ok := c.s.stores.Store(storeID)
	if !ok {
		st, _ = c.s.stores.Store(webapi.DefaultStoreID)
	}
	fail := func(err error) (int, string, any, any) {
		var ae *webapi.Error
		if errors.As(err, &ae) {
			return magento.OperationNotRetriablyFailed, ae.Error(), nil, 0
		}
		return magento.OperationRetriablyFailed, "The operation failed; it can be retried.", nil, 0
	}
	var policyErr *webapi.Error
	if p.PasswordErr != nil {
		policyErr = &webapi.Error{Status: p.PasswordErr.Status, Message: p.PasswordErr.Message, Params: p.PasswordErr.Params}
	}
	rec, err := c.s.accounts.CreateQueued(c.ctx, st, p.Customer, p.PasswordHash, policyErr)
	if err != nil {
		return fail(err)
	}
	out, err := json.Marshal(rec)
	if err != nil {
		return fail(err)
	}
	return magento.OperationComplete, msgAsyncSuccess, string(out), nil
}

// bulkStatus is GET /V1/bulk/:bulkUuid/status.
func (s *Async) bulkStatus(c *webapi.Call) (any, error) {
	return s.bulk(c, false)
}

// bulkDetailedStatus is GET /V1/bulk/:bulkUuid/detailed-status.
func (s *Async) bulkDetailedStatus(c *webapi.Call) (any, error) {
	return s.bulk(c, true)
}

func (s *Async) bulk(c *webapi.Call, detailed bool) (any, error) {
	uuid := c.Params["bulkUuid"]
	ctx := c.R.Context()
	out := magento.DetailedBulkStatus{BulkID: uuid, OperationsList: []magento.DetailedOperationStatus{}}
	err := s.db.R.QueryRowContext(ctx, `SELECT coalesce(user_id, 0), user_type, description, start_time, operation_count
		FROM magento_bulk WHERE uuid = ?`, uuid).Scan(&out.UserID, &out.UserType, &out.Description, &out.StartTime, &out.OperationCount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webapi.NewError(http.StatusNotFound, "Bulk uuid %bulkUuid not exist", map[string]any{"bulkUuid": uuid})
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT operation_key, topic_name, serialized_data, result_serialized_data, status,
		result_message, error_code FROM magento_operation WHERE bulk_uuid = ? ORDER BY operation_key`, uuid)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			op            magento.DetailedOperationStatus
			ser, res, msg sql.NullString
			code          sql.NullInt64
		)
		if err := rows.Scan(&op.ID, &op.TopicName, &ser, &res, &op.Status, &msg, &code); err != nil {
			rows.Close()
			return nil, err
		}
		op.BulkUUID = uuid
		if code.Valid {
			n := int(code.Int64)
			op.ErrorCode = &n
		}
		if ser.Valid {
			op.SerializedData = &ser.String
		}
		if res.Valid {
			op.ResultSerializedData = &res.String
		}
		if msg.Valid {
			op.ResultMessage = &msg.String
		}
		out.OperationsList = append(out.OperationsList, op)
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	if detailed {
		return out, nil
	}
	short := magento.BulkStatus{OperationsList: make([]magento.OperationStatus, 0, len(out.OperationsList)),
		UserType: out.UserType, BulkID: out.BulkID, Description: out.Description, StartTime: out.StartTime,
		UserID: out.UserID, OperationCount: out.OperationCount}
	for _, op := range out.OperationsList {
		so := magento.OperationStatus{ID: op.ID, Status: op.Status, ErrorCode: op.ErrorCode}
		if op.ResultMessage != nil {
			so.ResultMessage = *op.ResultMessage
		}
		short.OperationsList = append(short.OperationsList, so)
	}
	return short, nil
}

// bulkOperationCount is GET /V1/bulk/:bulkUuid/operation-status/:status:
// how many operations of the bulk have the status.
func (s *Async) bulkOperationCount(c *webapi.Call) (any, error) {
	status, err := webapi.PathID(c, "status")
	if err != nil {
		return nil, err
	}
	var n int
	err = s.db.R.QueryRowContext(c.R.Context(), `SELECT count(*) FROM magento_operation WHERE bulk_uuid = ? AND status = ?`,
		c.Params["bulkUuid"], status).Scan(&n)
	if err != nil {
		return nil, err
	}
	return n, nil
}
