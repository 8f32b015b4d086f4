package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxDecodeSteps bounds the values one document may expand to. Aliases can
// make a small file expand to a huge tree; a real config has a few hundred.
const maxDecodeSteps = 1 << 20

// decoder overlays a YAML node tree onto a Go value by walking both together.
// It is used instead of yaml.v3's own decoding because it must (1) start each
// list entry from that type's defaults, (2) reject unknown keys at every depth
// (yaml.v3's KnownFields stops at custom unmarshalers), (3) report every
// problem as file:line with the key quoted, and (4) remember the line of each
// setting so validation errors can point at it.
type decoder struct {
	file  string
	lines map[string]int // setting path ("stations[0].bitrate") → line
	errs  []*Error
	steps int
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: map[string]int{}}
}

// fail records a problem at line; msg is complete and quotes the key.
func (d *decoder) fail(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// value decodes n into v. path locates v; key is the name quoted in messages
// (for a list entry, the list's key). A null value leaves v as it is, so
// "key:" with nothing after it keeps the default.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path, key string) {
	d.steps++
	if d.steps > maxDecodeSteps {
		if d.steps == maxDecodeSteps+1 {
			d.fail(n.Line, path, "the document expands to more than %d values (aliases?)", maxDecodeSteps)
		}
		return
	}
	line := n.Line
	for n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if _, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		d.scalar(n, v, line, path, key)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, v, line, path, key)
	case reflect.Slice:
		d.sequence(n, v, line, path, key)
	default:
		d.scalar(n, v, line, path, key)
	}
}

// mapping decodes a YAML mapping into struct v, key by key. Merge keys ("<<")
// apply first so that the mapping's own keys override them.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, line int, path, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(line, path, "'%s' must be %s", key, describe(v.Type()))
		return
	}
	fields := yamlFields(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			d.merge(n.Content[i+1], v, path, key)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k.Line, path, "keys %s must be plain names", where(path))
			continue
		}
		name := k.Value
		if first, dup := seen[name]; dup {
			d.fail(k.Line, joinPath(path, name), "'%s' is given twice (first at line %d)", name, first)
			continue
		}
		seen[name] = k.Line
		idx, ok := fields[name]
		if !ok {
			d.fail(k.Line, joinPath(path, name), "unknown key '%s'%s%s", name, inPart(path), suggest(name, fields))
			continue
		}
		child := joinPath(path, name)
		d.lines[child] = k.Line
		d.value(val, v.Field(idx), child, name)
	}
}

// merge applies the value of a "<<" key: a mapping, or a list of mappings.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path, key string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		for _, m := range n.Content {
			d.value(m, v, path, key)
		}
		return
	}
	d.value(n, v, path, key)
}

// sequence decodes a YAML list into slice v, replacing what v held. Each
// entry starts from its type's defaults (see entryDefault).
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, line int, path, key string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(line, path, "'%s' must be %s", key, describe(v.Type()))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		ep := fmt.Sprintf("%s[%d]", path, i)
		d.lines[ep] = e.Line
		s.Index(i).Set(entryDefault(v.Type().Elem()))
		d.value(e, s.Index(i), ep, key)
	}
	v.Set(s)
}

// scalar decodes a YAML scalar into v. Numbers must be written as numbers
// (an int field takes no float, so 128.5 is not silently truncated), booleans
// as true/false, durations as strings such as "10s"; a string field takes any
// scalar as written.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, line int, path, key string) {
	t := v.Type()
	if n.Kind != yaml.ScalarNode {
		d.fail(line, path, "'%s' must be %s", key, describe(t))
		return
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if err := u.UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(line, path, "'%s' %v", key, err)
		}
		return
	}
	tag := n.ShortTag()
	ok := false
	switch {
	case t == reflect.TypeFor[time.Duration]():
		if tag == "!!str" {
			dur, err := time.ParseDuration(n.Value)
			if ok = err == nil; ok {
				v.SetInt(int64(dur))
			}
		}
	case t.Kind() == reflect.String:
		v.SetString(n.Value)
		ok = true
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int64:
		ok = tag == "!!int" && n.Decode(v.Addr().Interface()) == nil
	case t.Kind() == reflect.Float64:
		ok = (tag == "!!int" || tag == "!!float") && n.Decode(v.Addr().Interface()) == nil
	case t.Kind() == reflect.Bool:
		ok = tag == "!!bool" && n.Decode(v.Addr().Interface()) == nil
	}
	if !ok {
		d.fail(line, path, "'%s' must be %s, not %q", key, describe(t), n.Value)
	}
}

// entryDefault is the value a new list entry of type t starts from.
func entryDefault(t reflect.Type) reflect.Value {
	switch t {
	case reflect.TypeFor[Station]():
		return reflect.ValueOf(DefaultStation())
	case reflect.TypeFor[Mount]():
		return reflect.ValueOf(DefaultMount())
	}
	return reflect.Zero(t)
}

// describe says in words what a value of type t is written as.
func describe(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return `a duration such as "10s"`
	case t == reflect.TypeFor[PortSetting]():
		return "auto, 0 (off) or a port 1..65535"
	case t.Kind() == reflect.Struct:
		return "a mapping of keys"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int64:
		return "a whole number"
	default:
		return "a string"
	}
}

// yamlFields maps the yaml key of each field of struct type t to its index.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			m[name] = i
		}
	}
	return m
}

// yamlName is the key of field f in YAML, or "" if f is not decoded.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

// joinPath appends key name to a setting path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// inPart names the mapping that holds an unknown key, for its message.
func inPart(path string) string {
	switch {
	case path == "":
		return ""
	case strings.HasSuffix(path, "]"):
		return fmt.Sprintf(" in a '%s' entry", leafName(path))
	default:
		return fmt.Sprintf(" in '%s'", leafName(path))
	}
}

// where names the mapping at path for messages about its keys.
func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return strings.TrimPrefix(inPart(path), " ")
}

// suggest proposes the known key closest to an unknown one, if it is close.
func suggest(name string, fields map[string]int) string {
	// Allow one edit per three letters, at most two, so that short typos
	// are not "corrected" into unrelated keys.
	best, bestDist := "", min(2, len(name)/3)+1
	for known := range fields {
		if dist := editDistance(name, known); dist < bestDist || (dist == bestDist && known < best) {
			best, bestDist = known, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean '%s'?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
