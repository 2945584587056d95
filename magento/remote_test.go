package magento_test

import (
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
)

// The client is apply's Remote; the magento package itself never imports
// apply.
var _ apply.Remote = (*magento.Client)(nil)
