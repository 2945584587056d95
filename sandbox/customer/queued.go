package customer

import (
	"context"
	"net/http"

	"github.com/mageseed/mageseed/sandbox/webapi"
)

// PrepareCreate checks one createAccount body of an asynchronous request
// as POST /V1/customers would deserialize it, for the caller who: the
// parameters, then that only an admin sets group_id. When the body has a
// password, the policy is checked and the password hashed now, so that
// the password itself need not be kept: hash is its hash, or policyErr the
// policy's refusal, which the operation reports when it runs.
func (m *Module) PrepareCreate(who webapi.Identity, body any) (hasPassword bool, hash string, policyErr *webapi.Error, err error) {
	p, err := webapi.Params(body,
		webapi.Param{Name: "customer", Required: true, Kind: webapi.KindObject, Sub: customerSpec},
		webapi.Param{Name: "password"},
		webapi.Param{Name: "redirectUrl"},
	)
	if err != nil {
		return false, "", nil, err
	}
	cf := p.Sub("customer")
	if cf.Has("group_id") && !who.IsAdmin() {
		return false, "", nil, webapi.Unauthorized(aclManage)
	}
	if !p.Has("password") {
		return false, "", nil, nil
	}
	pw := p.Str("password")
	if perr := checkPasswordPolicy(pw, customerFromFields(cf).Email); perr != nil {
		return true, "", perr, nil
	}
	return true, hashPassword(pw), nil, nil
}

// CreateQueued runs createAccount for a queued customer object (its JSON
// as the request had it) in the store view st, with the password hash or
// the policy refusal PrepareCreate returned. It answers the customer as
// Magento does.
func (m *Module) CreateQueued(ctx context.Context, st webapi.Store, customer []byte, hash string, policyErr *webapi.Error) (any, error) {
	v, err := webapi.DecodeOrdered(customer)
	if err != nil {
		return nil, webapi.NewError(http.StatusBadRequest, webapi.MsgDecoding, nil)
	}
	cf, err := webapi.Convert(v, customerSpec)
	if err != nil {
		return nil, err
	}
	rec, err := m.createCustomer(ctx, cf, createInput{store: st, eav: true, hash: hash, passwordErr: policyErr})
	if err != nil {
		return nil, err
	}
	return rec.wire(m.countries, &m.eav), nil
}
