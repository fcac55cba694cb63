package demos

import (
	"github.com/mtibben/confusables"

	"crdtviz/replicas"
)

// LookAlike reports whether two replica names would be mistaken for each
// other on a screen: the same after NFKC normalisation (replicas.SameName:
// "é" written two ways, a fullwidth "Ａ", an invisible code point added),
// or with the same confusable
// skeleton of Unicode TR39 (a Cyrillic "о" in "Bоb", a digit "0" for an
// "O"). Scenario files and classroom names both use it.
func LookAlike(a, b string) bool {
	return replicas.SameName(a, b) || Skeleton(a) == Skeleton(b)
}

// Skeleton is a name's TR39 confusable skeleton, taken after NFKC and
// without the code points that print nothing (default-ignorable code
// points and variation selectors: replicas.Hidden), as TR39 asks: two
// names with one skeleton look alike, so "Ada" and "Ada" followed by a
// variation selector or a Hangul filler are one name.
func Skeleton(name string) string { return confusables.Skeleton(replicas.NameKey(name)) }
