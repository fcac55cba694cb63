package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// fit makes text exactly w cells wide and h lines high: long lines are cut
// (escape codes kept intact), short ones padded, extra lines dropped.
func fit(text string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, ln := range lines {
		lw := ansi.StringWidth(ln)
		if lw > w {
			ln = ansi.Truncate(ln, w, "")
			lw = ansi.StringWidth(ln)
		}
		if lw < w {
			ln += strings.Repeat(" ", w-lw)
		}
		lines[i] = ln
	}
	return strings.Join(lines, "\n")
}

// clipLine cuts a one-line text to w cells, marking the cut with "…" so
// that a sentence cut short does not read as a whole one.
func clipLine(text string, w int) string { return clipLineWith(text, w, "…") }

// clipLineWith is clipLine with the styles' ellipsis (ASCII under --ascii).
func clipLineWith(text string, w int, ell string) string {
	if ansi.StringWidth(text) <= w {
		return text
	}
	return ansi.Truncate(text, w, ell)
}

// joinFitted puts blocks side by side. Every block must already be fitted
// (each line exactly its width, all blocks the same height), so lines are
// simply concatenated, without measuring anything again.
func joinFitted(blocks ...string) string {
	if len(blocks) == 0 {
		return ""
	}
	size := 0
	for _, b := range blocks {
		size += len(b)
	}
	var small [16]string
	rest := append(small[:0], blocks...) // what is left of each block
	var out strings.Builder
	out.Grow(size) // the blocks' bytes: more than their lines joined take
	for row := 0; ; row++ {
		if row > 0 {
			out.WriteByte('\n')
		}
		last := false
		for i, b := range rest {
			line, next, more := strings.Cut(b, "\n")
			out.WriteString(line)
			rest[i] = next
			if i == 0 {
				last = !more // the first block's lines are the row's
			}
		}
		if last {
			return out.String()
		}
	}
}

// Fit is fit for the model's own overlays.
func Fit(text string, w, h int) string { return fit(text, w, h) }

// spread puts left and right on one line of width w, cutting left first.
func spread(left, right string, w int) string { return spreadWith(left, right, w, "…") }

// spreadWith is spread with the styles' ellipsis (ASCII under --ascii).
func spreadWith(left, right string, w int, ell string) string {
	rw := ansi.StringWidth(right)
	if rw >= w {
		return ansi.Truncate(right, w, "")
	}
	room := w - rw - 1
	if ansi.StringWidth(left) > room {
		left = ansi.Truncate(left, room, ell)
	}
	return left + strings.Repeat(" ", max(1, w-ansi.StringWidth(left)-rw)) + right
}

// clip cuts text to at most n characters, marking the cut with ell. Every
// character is at least one cell wide, so n*... characters always fill
// the space they are clipped for; wrapping the rest would be wasted work.
func clip(text string, n int, ell string) string {
	if len(text) <= n {
		return text
	}
	i := 0
	for k := range text {
		if i == n {
			return text[:k] + ell
		}
		i++
	}
	return text
}

// wrapLines breaks text into at most n lines of width w, ending with an
// ellipsis when it is cut.
func wrapLines(text string, w, n int, ell string) []string {
	if w <= 0 || n <= 0 {
		return nil
	}
	text = clip(text, w*n+1, ell)
	if n == 1 && !strings.Contains(text, "\n") { // one line: cut it, don't wrap it
		return []string{ansi.Truncate(text, w, ell)}
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, strings.Split(ansi.Wrap(para, w, " "), "\n")...)
	}
	if len(lines) > n {
		lines = lines[:n]
		lines[n-1] = strings.TrimRight(ansi.Truncate(lines[n-1]+strings.Repeat(" ", w), w-ansi.StringWidth(ell), ""), " ") + ell
	}
	return lines
}

// wrapWords wraps text at its spaces only (never inside a word such as
// "->" or "item-001", where ansi.Wordwrap breaks at the hyphen and may
// leave a line too long, to be cut) into lines of at most w cells; a word
// longer than w is cut into pieces. Escape codes may stand in the text.
func wrapWords(text string, w int) []string {
	if w <= 0 {
		return nil
	}
	// The text's own indent starts its first line; the spaces between
	// words are kept as they are, except where a line breaks.
	rest := strings.TrimLeft(text, " ")
	cur := text[:len(text)-len(rest)]
	if ansi.StringWidth(cur) >= w {
		cur = ""
	}
	var lines []string
	fresh := true // nothing but the indent on the current line yet
	for _, word := range strings.Split(rest, " ") {
		for ansi.StringWidth(word) > w { // a word longer than a line
			if !fresh {
				lines, cur, fresh = append(lines, cur), "", true
			}
			head := ansi.Truncate(word, w-ansi.StringWidth(cur), "")
			if head == "" {
				head = ansi.Truncate(word, w, "")
			}
			lines, word, cur = append(lines, cur+head), word[len(head):], ""
		}
		switch {
		case fresh && word == "" && cur == "":
			// a space where a line broke
		case fresh:
			cur, fresh = cur+word, false
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= w:
			cur += " " + word
		default:
			lines, cur, fresh = append(lines, cur), word, word == ""
		}
	}
	if !fresh || cur != "" || len(lines) == 0 {
		lines = append(lines, strings.TrimRight(cur, " "))
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return lines
}

// WrapText wraps prose into lines of at most w cells, at spaces only, each
// line break in the text ("\n") starting a new line: nothing is cut, and
// "->" stays whole.
func WrapText(text string, w int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		out = append(out, wrapWords(para, w)...)
	}
	return out
}
