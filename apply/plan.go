package apply

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
)

// Action is what a plan does to a customer or to one of its fields. Its
// value is the rune the plan prints in front of the change.
type Action rune

// The actions. NoOp is the zero value: the customer is already as declared.
const (
	NoOp   Action = 0
	Create Action = '+'
	Update Action = '~'
	Delete Action = '-'
)

// String returns the action's name: "create", "update", "delete" or "no-op".
func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case NoOp:
		return "no-op"
	}
	return fmt.Sprintf("action(%q)", rune(a))
}

// MarshalJSON encodes the action as its name.
func (a Action) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON decodes an action from its name.
func (a *Action) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decode action: %w", err)
	}
	switch s {
	case "create":
		*a = Create
	case "update":
		*a = Update
	case "delete":
		*a = Delete
	case "no-op", "":
		*a = NoOp
	default:
		return fmt.Errorf("decode action: unknown action %q", s)
	}
	return nil
}

// FieldChange is one field-level difference of a Change.
type FieldChange struct {
	// Path names the field: "lastname", "addresses.home" (a whole address
	// added), "addresses.home.defaultBilling", "password".
	Path string `json:"path"`

	// Old and New are human renderings of the values ("" when absent). For
	// a Sensitive field both are always "".
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`

	// Action is Create for a field or address that is added, Update for a
	// changed one and Delete for a removed one (mageseed never removes what
	// a manifest does not declare, so Delete appears only in destroy plans).
	Action Action `json:"action"`

	// Sensitive marks a secret (a password): its values are never shown.
	Sensitive bool `json:"sensitive,omitempty"`
}

// Change is what the plan does to one customer.
type Change struct {
	Action Action `json:"action"`

	// Key is the customer's manifest key.
	Key string `json:"key,omitempty"`

	Email     string `json:"email"`
	WebsiteID int    `json:"websiteId"`

	// ID is the customer's id in the store; 0 for a Create.
	ID int `json:"id,omitempty"`

	// Desired is the customer as resolved from the manifest; nil for a
	// Delete. Remote is the customer as the store holds it; nil for a
	// Create. Neither is part of the JSON form: they hold the password.
	Desired *mageseed.Customer `json:"-"`
	Remote  *mageseed.Customer `json:"-"`

	// Fields lists the field-level differences. For a Create they are the
	// declared fields, all with New set; for a NoOp there are none.
	Fields []FieldChange `json:"fields,omitempty"`
}

// Plan is the difference between the desired and the remote state, as
// data: the same value is rendered by `mageseed plan` and executed by
// Apply.
type Plan struct {
	// Changes holds one change per manifest customer, NoOps included, in
	// manifest order, except for the Duplicates. A destroy plan lists its
	// deletes first, and so do the deletes that Prune adds.
	Changes []Change

	// Groups holds one change per declared customer group, NoOps
	// included, in manifest order. Apply runs them before any customer.
	Groups []GroupChange

	// StoreGroups are the store's groups as plan read them: Apply resolves
	// the customers' group codes with them (and the groups it creates).
	StoreGroups []mageseed.Group

	// Notes are what the plan says about the store before any write (its
	// account sharing scope, for one). They never hold a secret.
	Notes []string

	// Undeclared lists the customers the outputs file records but the
	// manifest no longer declares (and, after Prune, that it leaves).
	Undeclared []Undeclared

	// Duplicates are the manifest customers that the store holds more than
	// once. A plan never picks one of them; Apply reports each as failed.
	Duplicates []Duplicate
}

// Duplicate is a manifest customer whose (email, website) two or more of
// the store's customers share, which Magento's unique key on customer_entity
// (email, website_id) should prevent: a store that answers so is broken or
// lying, and mageseed will not guess which of them is meant.
type Duplicate struct {
	Key       string `json:"key"`
	Email     string `json:"email"`
	WebsiteID int    `json:"websiteId"`
	IDs       []int  `json:"ids"`

	// Action is what the plan would have done: Delete in a destroy plan,
	// NoOp (not known) otherwise.
	Action Action `json:"-"`
}

// Error says what is wrong, naming every id.
func (d Duplicate) Error() string {
	ids := make([]string, len(d.IDs))
	for i, id := range d.IDs {
		ids[i] = strconv.Itoa(id)
	}
	list := strings.Join(ids, ", ")
	if len(ids) == 2 {
		list = ids[0] + " and " + ids[1]
	}
	return fmt.Sprintf("the store holds %d customers with email %s in website %d (ids %s); mageseed will not pick one",
		len(d.IDs), d.Email, d.WebsiteID, list)
}

// Counts returns how many customers the plan creates, updates, deletes and
// leaves unchanged.
func (p *Plan) Counts() (create, update, delete, unchanged int) {
	for i := range p.Groups {
		switch p.Groups[i].Action {
		case Create:
			create++
		case Update:
			update++
		default:
			unchanged++
		}
	}
	for i := range p.Changes {
		switch p.Changes[i].Action {
		case Create:
			create++
		case Update:
			update++
		case Delete:
			delete++
		default:
			unchanged++
		}
	}
	return create, update, delete, unchanged
}

// HasChanges reports whether the plan would change the store.
func (p *Plan) HasChanges() bool {
	for i := range p.Groups {
		if p.Groups[i].Action != NoOp {
			return true
		}
	}
	for i := range p.Changes {
		if p.Changes[i].Action != NoOp {
			return true
		}
	}
	return false
}

// Summary is the plan's counts, as its JSON form shows them.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
}

// Summary returns the plan's counts.
func (p *Plan) Summary() Summary {
	var s Summary
	s.Create, s.Update, s.Delete, s.Unchanged = p.Counts()
	return s
}

// MarshalJSON encodes the plan as
// {"changes":[...],"summary":{"create":1,"update":0,"delete":0,"unchanged":2}}.
// Unchanged customers are left out of "changes" (the summary counts them)
// and no secret is ever included.
func (p *Plan) MarshalJSON() ([]byte, error) {
	changes := make([]Change, 0, len(p.Changes))
	for _, c := range p.Changes {
		if c.Action == NoOp {
			continue
		}
		changes = append(changes, c)
	}
	var groups []GroupChange
	for _, g := range p.Groups {
		if g.Action != NoOp {
			groups = append(groups, g)
		}
	}
	return json.Marshal(struct {
		Notes      []string      `json:"notes,omitempty"`
		Groups     []GroupChange `json:"groups,omitempty"`
		Changes    []Change      `json:"changes"`
		Undeclared []Undeclared  `json:"undeclared,omitempty"`
		Duplicates []Duplicate   `json:"duplicates,omitempty"`
		Summary    Summary       `json:"summary"`
	}{p.Notes, groups, changes, p.Undeclared, p.Duplicates, p.Summary()})
}
