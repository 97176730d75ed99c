package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// paramDocs describe the path parameters of the route table.
var paramDocs = map[string]map[string]any{
	"ACCOUNT_ID":   {"description": "Account id: 32 lowercase hex characters", "schema": map[string]any{"type": "string", "pattern": "^[0-9a-f]{32}$"}},
	"PHONE_NUMBER": {"description": "A phone number, URL-encoded E.164 (%2B14155550100) or as dialled", "schema": map[string]any{"type": "string"}},
	"CONFIG_ID":    {"description": "System-config document id, e.g. number_manager or number_manager.bandwidth2", "schema": map[string]any{"type": "string"}},
	"NODE":         {"description": "Node name whose overrides are addressed", "schema": map[string]any{"type": "string"}},
}

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
)

// openAPI builds the OpenAPI 3 document from the route table, so the two
// cannot drift apart.
func openAPI(routes []*route, version string) map[string]any {
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		op := map[string]any{
			"operationId": rt.name,
			"summary":     rt.summary,
			"tags":        []string{strings.SplitN(rt.name, ".", 2)[0]},
			"responses": map[string]any{
				"200":     map[string]any{"description": "Success envelope", "content": map[string]any{"application/json": map[string]any{"schema": ref("Envelope")}}},
				"default": map[string]any{"description": "Error envelope", "content": map[string]any{"application/json": map[string]any{"schema": ref("ErrorEnvelope")}}},
			},
		}
		var params []any
		for _, seg := range splitPath(rt.pattern) {
			if isParam(seg) {
				name := seg[1 : len(seg)-1]
				p := map[string]any{"name": name, "in": "path", "required": true}
				for k, v := range paramDocs[name] {
					p[k] = v
				}
				params = append(params, p)
			}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch rt.auth {
		case authNone:
			op["security"] = []any{}
		case authOptional:
			op["security"] = []any{map[string]any{}, map[string]any{"authToken": []string{}}, map[string]any{"bearer": []string{}}}
		}
		if rt.admin {
			op["description"] = "Only the master account (superduper admin) may call this."
		}
		switch rt.method {
		case http.MethodPut, http.MethodPost, http.MethodPatch:
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": ref("Request")}}}
		}
		item[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Numan number manager API (Kazoo v2 compatible)",
			"version":     version,
			"description": "Kazoo crossbar v2 phone_numbers, accounts, api_auth and system_configs endpoints.",
		},
		"paths": paths,
		"security": []any{
			map[string]any{"authToken": []string{}},
			map[string]any{"bearer": []string{}},
		},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"authToken": map[string]any{"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
				"bearer":    map[string]any{"type": "http", "scheme": "bearer"},
			},
			"schemas": map[string]any{
				"Request": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"data":           map[string]any{"type": "object"},
						"accept_charges": map[string]any{"type": "boolean"},
					},
				},
				"Envelope": map[string]any{
					"type":     "object",
					"required": []string{"status", "data", "request_id"},
					"properties": map[string]any{
						"status":         map[string]any{"type": "string", "enum": []string{"success"}},
						"data":           map[string]any{},
						"request_id":     map[string]any{"type": "string"},
						"auth_token":     map[string]any{"type": "string"},
						"revision":       map[string]any{"type": "string"},
						"node":           map[string]any{"type": "string"},
						"timestamp":      map[string]any{"type": "string", "format": "date-time"},
						"version":        map[string]any{"type": "string"},
						"page_size":      map[string]any{"type": "integer"},
						"start_key":      map[string]any{"type": "string"},
						"next_start_key": map[string]any{"type": "string"},
					},
				},
				"ErrorEnvelope": map[string]any{
					"type":     "object",
					"required": []string{"status", "error", "message", "request_id"},
					"properties": map[string]any{
						"status":     map[string]any{"type": "string", "enum": []string{"error"}},
						"error":      map[string]any{"type": "string", "description": "The HTTP status code, as a string"},
						"message":    map[string]any{"type": "string"},
						"data":       map[string]any{},
						"request_id": map[string]any{"type": "string"},
					},
				},
			},
		},
	}
}

// handleOpenAPI is GET /v2/openapi.json.
func handleOpenAPI(c *call) {
	openAPIOnce.Do(func() {
		openAPIDoc, _ = json.MarshalIndent(openAPI(c.s.router.routes, c.s.version), "", "  ")
	})
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(openAPIDoc)
}
