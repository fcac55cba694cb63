package demos

import (
	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"

	"crdtviz/replicas"
)

// LookAlike reports whether two replica names would be mistaken for each
// other on a screen: the same after NFKC normalisation (replicas.SameName:
// "é" written two ways, a fullwidth "Ａ"), or with the same confusable
// skeleton of Unicode TR39 (a Cyrillic "о" in "Bоb", a digit "0" for an
// "O"). Scenario files and classroom names both use it.
func LookAlike(a, b string) bool {
	return replicas.SameName(a, b) || Skeleton(a) == Skeleton(b)
}

// Skeleton is a name's TR39 confusable skeleton, taken after NFKC: two
// names with one skeleton look alike.
func Skeleton(name string) string { return confusables.Skeleton(norm.NFKC.String(name)) }
