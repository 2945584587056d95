package apply

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// GroupRemote is a Remote that manages customer groups. magento.Client
// implements it. Apply needs it only when the plan changes a group.
type GroupRemote interface {
	// Groups lists the store's customer groups.
	Groups(ctx context.Context) ([]mageseed.Group, error)
	// CreateGroup creates a group and returns it with its id; a code the
	// store holds gives ECONFLICT, an unknown outcome EUNAVAILABLE.
	CreateGroup(ctx context.Context, g mageseed.Group) (mageseed.Group, error)
	// UpdateGroup changes the code and tax class of group g.ID.
	UpdateGroup(ctx context.Context, g mageseed.Group) (mageseed.Group, error)
}

// ActivateRemote is a Remote that can confirm an account that awaits email
// confirmation. magento.Client implements it.
type ActivateRemote interface {
	// ActivateCustomer confirms the account of customer c (as the store
	// holds it: email, website, store view) with its confirmation key and
	// returns the customer.
	ActivateCustomer(ctx context.Context, c mageseed.Customer, key string) (mageseed.Customer, error)
}

// GroupRecorder is a Recorder that also keeps the records of customer
// groups (*outputs.Writer).
type GroupRecorder interface {
	RecordGroup(key string, g outputs.Group)
}

// GroupChange is what the plan does to one declared customer group.
type GroupChange struct {
	Action Action `json:"action"`
	Key    string `json:"key"`
	Code   string `json:"code"`
	// ID is the group's id in the store; 0 for a Create.
	ID     int           `json:"id,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`

	// Desired is the group as declared (TaxClassID 0: not declared).
	Desired mageseed.Group `json:"-"`
}

// DiffGroups compares the declared groups with the store's: a group whose
// code (without regard to case) the store lacks is created; one whose tax
// class (when declared) or code case differs is updated. Groups are never
// deleted: customers may use them.
func DiffGroups(declared, store []mageseed.Group) []GroupChange {
	out := make([]GroupChange, 0, len(declared))
	for _, d := range declared {
		gc := GroupChange{Key: d.Key, Code: d.Code, Desired: d}
		var r *mageseed.Group
		for i := range store {
			if strings.EqualFold(store[i].Code, d.Code) {
				r = &store[i]
				break
			}
		}
		if r == nil {
			gc.Action = Create
			gc.Fields = append(gc.Fields, FieldChange{Path: "code", Action: Create, New: d.Code})
			tax := d.TaxClassID
			if tax == 0 {
				tax = 3
			}
			gc.Fields = append(gc.Fields, FieldChange{Path: "taxClassId", Action: Create, New: strconv.Itoa(tax)})
			out = append(out, gc)
			continue
		}
		gc.ID = r.ID
		if r.Code != d.Code {
			gc.Fields = append(gc.Fields, FieldChange{Path: "code", Action: Update, Old: r.Code, New: d.Code})
		}
		if d.TaxClassID != 0 && d.TaxClassID != r.TaxClassID {
			gc.Fields = append(gc.Fields, FieldChange{Path: "taxClassId", Action: Update, Old: strconv.Itoa(r.TaxClassID), New: strconv.Itoa(d.TaxClassID)})
		}
		if len(gc.Fields) > 0 {
			gc.Action = Update
		}
		out = append(out, gc)
	}
	return out
}

// NameGroups sets the Group code of every customer from its GroupID, by
// the store's groups, so that plans compare group codes.
func NameGroups(customers []mageseed.Customer, groups []mageseed.Group) {
	byID := make(map[int]string, len(groups))
	for _, g := range groups {
		byID[g.ID] = g.Code
	}
	for i := range customers {
		if customers[i].GroupID != nil {
			customers[i].Group = byID[*customers[i].GroupID]
		}
	}
}

// groupTable maps group codes (lower case) to ids and back, for the
// customers of one Apply.
type groupTable struct {
	ids   map[string]int
	codes map[int]string
}

func newGroupTable(groups []mageseed.Group) *groupTable {
	t := &groupTable{ids: map[string]int{}, codes: map[int]string{}}
	for _, g := range groups {
		t.add(g)
	}
	return t
}

func (t *groupTable) add(g mageseed.Group) {
	t.ids[strings.ToLower(g.Code)] = g.ID
	t.codes[g.ID] = g.Code
}

// applyGroups runs the group changes of p, one at a time (a store has few
// groups), and returns the table of every group's id by code. A create that
// conflicts or whose outcome is unknown is resolved by reading the groups:
// what exists is adopted.
func (e *executor) applyGroups(ctx context.Context, p *Plan) (*groupTable, []GroupOutcome, error) {
	t := newGroupTable(p.StoreGroups)
	outs := make([]GroupOutcome, 0, len(p.Groups))
	var gr GroupRemote
	for _, gc := range p.Groups {
		if gc.Action != NoOp && gr == nil {
			var ok bool
			if gr, ok = e.r.(GroupRemote); !ok {
				return t, outs, fmt.Errorf("%s customer group %s: the store client cannot manage groups", gc.Action, gc.Code)
			}
		}
		switch gc.Action {
		case NoOp:
			outs = append(outs, GroupOutcome{Key: gc.Key, ID: gc.ID, Code: gc.Code})
			continue
		case Update:
			g := gc.Desired
			g.ID = gc.ID
			if g.TaxClassID == 0 {
				for _, s := range p.StoreGroups {
					if s.ID == gc.ID {
						g.TaxClassID = s.TaxClassID
					}
				}
			}
			got, err := gr.UpdateGroup(ctx, g)
			if err != nil {
				return t, outs, fmt.Errorf("update customer group %s: %w", gc.Code, err)
			}
			t.add(got)
			outs = append(outs, GroupOutcome{Key: gc.Key, ID: got.ID, Code: got.Code, Action: Update})
		case Create:
			got, err := gr.CreateGroup(ctx, gc.Desired)
			if code := mageseed.ErrorCode(err); code == mageseed.ECONFLICT || code == mageseed.EUNAVAILABLE {
				all, lerr := gr.Groups(ctx)
				if lerr != nil {
					return t, outs, fmt.Errorf("create customer group %s: %v; look it up: %w", gc.Code, err, lerr)
				}
				for _, g := range all {
					if strings.EqualFold(g.Code, gc.Code) {
						got, err = g, nil
					}
				}
			}
			if err != nil {
				return t, outs, fmt.Errorf("create customer group %s: %w", gc.Code, err)
			}
			t.add(got)
			outs = append(outs, GroupOutcome{Key: gc.Key, ID: got.ID, Code: got.Code, Action: Create})
		}
	}
	return t, outs, nil
}

// GroupOutcome is a declared group after Apply: its id in the store.
type GroupOutcome struct {
	Key    string
	ID     int
	Code   string
	Action Action // what was done: Create, Update or NoOp
}

// LabelOptions sets the Label of the stored select and multiselect values
// of customers and their addresses from the store's options, so that plans
// show "Phone (5)" rather than "5".
func LabelOptions(customers []mageseed.Customer, md *mageseed.Metadata) {
	label := func(address bool, attrs map[string]mageseed.AttributeValue) {
		for code, v := range attrs {
			a := md.Attribute(address, code)
			if a == nil || !a.HasOptions() || v.Value == "" {
				continue
			}
			var labels []string
			for _, id := range strings.Split(v.Value, ",") {
				l := id
				for _, o := range a.Options {
					if o.Value == strings.TrimSpace(id) && strings.TrimSpace(o.Label) != "" {
						l = o.Label
					}
				}
				labels = append(labels, l)
			}
			v.Label = strings.Join(labels, ", ")
			attrs[code] = v
		}
	}
	for i := range customers {
		label(false, customers[i].CustomAttributes)
		for j := range customers[i].Addresses {
			label(true, customers[i].Addresses[j].CustomAttributes)
		}
	}
}
