// Command mageseed seeds Magento and Adobe Commerce stores with customers
// from a declarative YAML manifest: validate, plan, apply, outputs.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
