package api

import (
	"net/url"
	"slices"
	"sort"
	"strings"
)

// authMode says what a route needs from the caller.
type authMode int

const (
	authRequired authMode = iota // a valid token
	authOptional                 // a token if sent (Kazoo's open number search)
	authNone                     // nothing (api_auth, health, metrics)
)

// route is one line of the route table (routes.go).
type route struct {
	method  string
	pattern string // "/v2/accounts/{ACCOUNT_ID}/phone_numbers/{PHONE_NUMBER}"
	name    string // stable operation name: metrics label and OpenAPI operationId
	auth    authMode
	admin   bool // only superduper admins (the master)
	// document: the body is a document (a port request's attachment),
	// up to the ports service's limit rather than the server's.
	document bool
	summary  string
	handle   func(*call)
}

// pathEntry is every route sharing one pattern, by method.
type pathEntry struct {
	pattern string
	segs    []string // literal segments, or "{NAME}" for parameters
	methods map[string]*route
	allowed []string // sorted, for 405 and OPTIONS
}

// router matches a request path against the route table. Patterns are
// matched segment by segment on the unescaped segments, literals before
// parameters, so "/phone_numbers/collection" wins over
// "/phone_numbers/{PHONE_NUMBER}" while "%2B1415..." stays one segment.
type router struct {
	bySegs map[int][]*pathEntry
	routes []*route
}

func newRouter(routes []*route) *router {
	rt := &router{bySegs: map[int][]*pathEntry{}, routes: routes}
	entries := map[string]*pathEntry{}
	for _, r := range routes {
		e, ok := entries[r.pattern]
		if !ok {
			e = &pathEntry{pattern: r.pattern, segs: splitPath(r.pattern), methods: map[string]*route{}}
			entries[r.pattern] = e
			rt.bySegs[len(e.segs)] = append(rt.bySegs[len(e.segs)], e)
		}
		if _, dup := e.methods[r.method]; dup {
			panic("api: duplicate route " + r.method + " " + r.pattern)
		}
		e.methods[r.method] = r
		e.allowed = append(e.allowed, r.method)
		slices.Sort(e.allowed)
	}
	for _, list := range rt.bySegs {
		sort.SliceStable(list, func(i, j int) bool { return moreSpecific(list[i].segs, list[j].segs) })
	}
	return rt
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// moreSpecific orders patterns so that, at the first segment where they
// differ in kind, the literal comes first.
func moreSpecific(a, b []string) bool {
	for i := range a {
		pa, pb := isParam(a[i]), isParam(b[i])
		if pa != pb {
			return !pa
		}
	}
	return false
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// param is one captured path parameter.
type param struct{ name, value string }

// match returns the entry whose pattern matches the escaped path, and the
// parameters captured; nil when no pattern matches.
func (rt *router) match(escapedPath string) (*pathEntry, []param) {
	raw := splitPath(escapedPath)
	candidates := rt.bySegs[len(raw)]
	if len(candidates) == 0 {
		return nil, nil
	}
	segs := make([]string, len(raw))
	for i, s := range raw {
		if strings.IndexByte(s, '%') >= 0 {
			u, err := url.PathUnescape(s)
			if err != nil {
				return nil, nil
			}
			s = u
		}
		segs[i] = s
	}
next:
	for _, e := range candidates {
		for i, ps := range e.segs {
			if !isParam(ps) && ps != segs[i] {
				continue next
			}
		}
		var params []param
		for i, ps := range e.segs {
			if isParam(ps) {
				params = append(params, param{name: ps[1 : len(ps)-1], value: segs[i]})
			}
		}
		return e, params
	}
	return nil, nil
}
