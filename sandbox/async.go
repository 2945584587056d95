package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"net/http"
	"sync"

	"github.com/mageseed/mageseed/magento"
)

// Async createAccount, as Magento_WebapiAsync names it.
const (
	topicCreateAccount = "async.magento.customer.api.accountmanagementinterface.createaccount.post"
	msgAsyncSuccess    = `Service execution success Magento\Customer\Model\AccountManagement\Interceptor::createAccount`
)

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
func (s *Sandbox) prepareItem(c *call, item any) (queuedItem, error) {
	p, err := params(item,
		param{name: "customer", required: true, kind: kObject, sub: customerSpec},
		param{name: "password"},
		param{name: "redirectUrl"},
	)
	if err != nil {
		return queuedItem{}, err
	}
	cf := p.sub("customer")
	if cf.has("group_id") && !c.who.isAdmin() {
		return queuedItem{}, unauthorized(aclManage)
	}
	var q queuedItem
	o := item.(*object)
	pub := &object{}
	for i, k := range o.keys {
		switch k {
		case "customer":
			q.payload.Customer = encodeOrdered(o.vals[i])
		case "password":
			continue
		}
		pub.keys = append(pub.keys, k)
		pub.vals = append(pub.vals, o.vals[i])
	}
	q.public = encodeOrdered(pub)
	if p.has("password") {
		pw := p.str("password")
		q.payload.HasPassword = true
		if perr := checkPasswordPolicy(pw, customerFromFields(cf).Email); perr != nil {
			q.payload.PasswordErr = &storedError{Status: perr.status, Message: perr.message, Params: perr.params}
		} else {
			q.payload.PasswordHash = hashPassword(pw)
		}
	}
	return q, nil
}

// asyncCreate is POST /rest/<store>/async/V1/customers.
func (s *Sandbox) asyncCreate(c *call) (any, error) {
	q, err := s.prepareItem(c, c.body)
	if err != nil {
		return nil, err
	}
	return s.schedule(c, []queuedItem{q})
}

// asyncBulkCreate is POST /rest/<store>/async/bulk/V1/customers: a JSON
// array of createAccount bodies.
func (s *Sandbox) asyncBulkCreate(c *call) (any, error) {
	arr, ok := c.body.([]any)
	if !ok {
		if o, isObj := c.body.(*object); isObj && len(o.keys) == 0 {
			arr = nil
		} else {
			return nil, newError(http.StatusBadRequest, "The request body must be a JSON array of operations.", nil)
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
func (s *Sandbox) schedule(c *call, items []queuedItem) (any, error) {
	uuid := newUUID()
	ctx := c.r.Context()
	userType, userID := userGuestMagento, int64(0)
	switch c.who.typ {
	case userAdmin, userIntegration, userCustomer:
		userType, userID = c.who.typ, c.who.uid
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
				i, uuid, topicCreateAccount, string(q.public), magento.OperationOpen, c.store.ID, 0, string(payload))
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
	s.async.wake()
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
	s      *Sandbox
	ctx    context.Context
	cancel context.CancelFunc
	kick   chan struct{}
	wg     sync.WaitGroup
}

func startConsumer(s *Sandbox) *consumer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumer{s: s, ctx: ctx, cancel: cancel, kick: make(chan struct{}, 1)}
	c.wg.Add(1)
	go c.run()
	return c
}

func (c *consumer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
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
	st, ok := c.s.dir.store(storeID)
	if !ok {
		st, _ = c.s.dir.store(defaultStoreID)
	}
	fail := func(err error) (int, string, any, any) {
		var ae *apiError
		if errors.As(err, &ae) {
			return magento.OperationNotRetriablyFailed, ae.Error(), nil, 0
		}
		return magento.OperationRetriablyFailed, "The operation failed; it can be retried.", nil, 0
	}
	v, err := decodeOrdered(p.Customer)
	if err != nil {
		return fail(newError(http.StatusBadRequest, msgDecoding, nil))
	}
	cf, err := convert(v, customerSpec)
	if err != nil {
		return fail(err)
	}
	in := createInput{store: st, eav: true, hash: p.PasswordHash}
	if p.PasswordErr != nil {
		in.passwordErr = &apiError{status: p.PasswordErr.Status, message: p.PasswordErr.Message, params: p.PasswordErr.Params}
	}
	rec, err := c.s.createCustomer(c.ctx, cf, in)
	if err != nil {
		return fail(err)
	}
	out, err := json.Marshal(rec.wire())
	if err != nil {
		return fail(err)
	}
	return magento.OperationComplete, msgAsyncSuccess, string(out), nil
}

// bulkStatus is GET /V1/bulk/:bulkUuid/status.
func (s *Sandbox) bulkStatus(c *call) (any, error) {
	return s.bulk(c, false)
}

// bulkDetailedStatus is GET /V1/bulk/:bulkUuid/detailed-status.
func (s *Sandbox) bulkDetailedStatus(c *call) (any, error) {
	return s.bulk(c, true)
}

func (s *Sandbox) bulk(c *call, detailed bool) (any, error) {
	uuid := c.params["bulkUuid"]
	ctx := c.r.Context()
	out := magento.DetailedBulkStatus{BulkID: uuid, OperationsList: []magento.DetailedOperationStatus{}}
	err := s.db.R.QueryRowContext(ctx, `SELECT coalesce(user_id, 0), user_type, description, start_time, operation_count
		FROM magento_bulk WHERE uuid = ?`, uuid).Scan(&out.UserID, &out.UserType, &out.Description, &out.StartTime, &out.OperationCount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newError(http.StatusNotFound, "Bulk uuid %bulkUuid not exist", map[string]any{"bulkUuid": uuid})
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
func (s *Sandbox) bulkOperationCount(c *call) (any, error) {
	status, err := pathID(c, "status")
	if err != nil {
		return nil, err
	}
	var n int
	err = s.db.R.QueryRowContext(c.r.Context(), `SELECT count(*) FROM magento_operation WHERE bulk_uuid = ? AND status = ?`,
		c.params["bulkUuid"], status).Scan(&n)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// encodeOrdered encodes a decoded JSON value back to JSON, keeping the key
// order of objects.
func encodeOrdered(v any) []byte {
	var b bytes.Buffer
	writeOrdered(&b, v)
	return b.Bytes()
}

func writeOrdered(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeOrdered(b, t.vals[i])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeOrdered(b, e)
		}
		b.WriteByte(']')
	default:
		eb, err := json.Marshal(t)
		if err != nil {
			eb = []byte("null")
		}
		b.Write(eb)
	}
}
