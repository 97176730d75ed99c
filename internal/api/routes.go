package api

import "net/http"

// Path prefixes shared by the table below.
const (
	acct = "/v2/accounts/{ACCOUNT_ID}"
	pn   = acct + "/phone_numbers"
	num  = pn + "/{PHONE_NUMBER}"
	sc   = "/v2/system_configs/{CONFIG_ID}"
	pr   = acct + "/port_requests"
	prID = pr + "/{PORT_ID}"
	att  = prID + "/attachments"
	wh   = acct + "/webhooks"
	whID = wh + "/{WEBHOOK_ID}"
)

// routes is the whole API: every path, method, handler and who may call
// it. The router, the OpenAPI document and the metrics labels all come from
// this table. Methods a path does not list get 405.
func (s *Server) routes() []*route {
	const (
		GET, PUT, POST, PATCH, DELETE = http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete
	)
	r := func(method, pattern, name string, auth authMode, summary string, h func(*call)) *route {
		return &route{method: method, pattern: pattern, name: name, auth: auth, summary: summary, handle: h}
	}
	admin := func(rt *route) *route { rt.admin = true; return rt }
	// document takes a body up to the ports service's attachment limit.
	document := func(rt *route) *route { rt.document = true; return rt }
	return []*route{
		// Operations.
		r(GET, "/healthz", "healthz", authNone, "The process is up", handleHealth),
		r(GET, "/readyz", "readyz", authNone, "The database is reachable", handleReady),
		r(GET, "/metrics", "metrics", authNone, "Prometheus metrics", handleMetrics),
		r(GET, "/v2/openapi.json", "openapi", authNone, "This API, as OpenAPI 3", handleOpenAPI),

		// Authentication.
		r(PUT, "/v2/api_auth", "api_auth", authNone, "Trade an API key for an auth token", handleAPIAuth),
		r(GET, "/v2/token_info", "token_info", authRequired, "Who the token belongs to", handleTokenInfo),
		r(PUT, "/v2/user_auth", "user_auth", authNone, "Trade a user's credentials (MD5 of username:password) and account name for an auth token", handleUserAuth),
		r(GET, "/v2/auth/tokeninfo", "auth.tokeninfo", authNone, "What the token in ?token= says", handleAuthTokenInfo),
		r(POST, "/v2/auth/tokeninfo", "auth.tokeninfo_body", authNone, "What the token in data.token says", handleAuthTokenInfo),

		// Users of an account (users.go).
		r(GET, acct+"/users", "users.list", authRequired, "The account's users", handleUsersList),
		r(PUT, acct+"/users", "users.create", authRequired, "Create a user (admins)", handleUserCreate),
		r(GET, userPath, "users.get", authRequired, "Read a user", handleUserGet),
		r(POST, userPath, "users.replace", authRequired, "Replace a user's fields", handleUserUpdate),
		r(PATCH, userPath, "users.patch", authRequired, "Merge into a user's fields", handleUserUpdate),
		r(DELETE, userPath, "users.delete", authRequired, "Delete a user (admins; not oneself)", handleUserDelete),

		// Accounts.
		r(PUT, "/v2/accounts", "accounts.create_child_of_caller", authRequired, "Create a child of the caller's account", handleAccountCreate),
		r(PUT, acct, "accounts.create_child", authRequired, "Create a child of the account", handleAccountCreate),
		r(GET, acct, "accounts.get", authRequired, "Read an account", handleAccountGet),
		r(POST, acct, "accounts.replace", authRequired, "Replace an account's fields", handleAccountUpdate),
		r(PATCH, acct, "accounts.patch", authRequired, "Merge into an account's fields", handleAccountUpdate),
		r(DELETE, acct, "accounts.delete", authRequired, "Delete an account without children", handleAccountDelete),
		r(GET, acct+"/api_key", "accounts.api_key", authRequired, "The account's API key", handleAPIKeyGet),
		r(PUT, acct+"/api_key", "accounts.api_key_renew", authRequired, "Give the account a new API key", handleAPIKeyRenew),
		r(GET, acct+"/children", "accounts.children", authRequired, "The account's children", handleAccountChildren),
		r(GET, acct+"/descendants", "accounts.descendants", authRequired, "Every account below the account", handleAccountDescendants),

		// Phone numbers without an account (Kazoo lets these through unauthenticated).
		r(GET, "/v2/phone_numbers", "phone_numbers.open_search", authOptional, "Search carriers for numbers to buy", handleOpenSearch),
		r(GET, "/v2/phone_numbers/prefix", "phone_numbers.open_prefix", authOptional, "Area codes of a city (phonebook)", handlePrefix),

		// Phone numbers of an account.
		r(GET, pn, "phone_numbers.index", authRequired, "Search (?prefix=) or list the account's numbers", handleNumbersIndex),
		r(GET, pn+"/carriers_info", "phone_numbers.carriers_info", authRequired, "Search prefix length, usable carriers and creation states", handleCarriersInfo),
		r(GET, pn+"/classifiers", "phone_numbers.classifiers", authRequired, "Number classifiers", handleClassifiers),
		r(GET, pn+"/classifiers/{PHONE_NUMBER}", "phone_numbers.classify", authRequired, "Classify a number", handleClassify),
		r(GET, pn+"/prefix", "phone_numbers.prefix", authRequired, "Area codes of a city (phonebook)", handlePrefix),
		r(POST, pn+"/locality", "phone_numbers.locality", authRequired, "Locality of numbers", handleLocality),
		r(POST, pn+"/check", "phone_numbers.check", authRequired, "Status of numbers at their carriers", handleCheck),
		r(POST, pn+"/fix", "phone_numbers.fix", authRequired, "Repair the account's numbers (a no-op in Numan)", handleFix),
		r(POST, pn+"/fix/{PHONE_NUMBER}", "phone_numbers.fix_number", authRequired, "Repair one number (a no-op in Numan)", handleFixNumber),
		r(PUT, pn+"/collection", "phone_numbers.collection_create", authRequired, "Create numbers", handleCollectionCreate),
		r(POST, pn+"/collection", "phone_numbers.collection_replace", authRequired, "Replace numbers' public fields", handleCollectionUpdate),
		r(PATCH, pn+"/collection", "phone_numbers.collection_patch", authRequired, "Merge into numbers' public fields", handleCollectionUpdate),
		r(DELETE, pn+"/collection", "phone_numbers.collection_release", authRequired, "Release numbers (?hard=true: delete)", handleCollectionDelete),
		r(PUT, pn+"/collection/import", "phone_numbers.collection_import", authRequired, "Create numbers in bulk, answering with their numbers only", handleCollectionImport),
		r(PUT, pn+"/collection/activate", "phone_numbers.collection_activate", authRequired, "Buy numbers into the account", handleCollectionActivate),
		r(PUT, pn+"/collection/used_by", "phone_numbers.collection_used_by", authRequired, "Set the application that routes numbers", handleCollectionUsedBy),
		r(DELETE, pn+"/collection/used_by", "phone_numbers.collection_used_by_clear", authRequired, "Clear the application that routes numbers", handleCollectionUsedBy),
		r(GET, num, "phone_numbers.get", authRequired, "Read a number", handleNumberGet),
		r(PUT, num, "phone_numbers.create", authRequired, "Create a number", handleNumberCreate),
		r(POST, num, "phone_numbers.replace", authRequired, "Replace a number's public fields", handleNumberUpdate),
		r(PATCH, num, "phone_numbers.patch", authRequired, "Merge into a number's public fields", handleNumberUpdate),
		r(DELETE, num, "phone_numbers.release", authRequired, "Release a number (?hard=true: delete)", handleNumberDelete),
		r(PUT, num+"/activate", "phone_numbers.activate", authRequired, "Buy a number into the account", handleNumberActivate),
		r(PUT, num+"/reserve", "phone_numbers.reserve", authRequired, "Reserve a number for the account", handleNumberReserve),
		r(PUT, num+"/port", "phone_numbers.port", authRequired, "Create a number being ported in", handleNumberPort),
		r(GET, num+"/history", "phone_numbers.history", authRequired, "A number's history: every change, who made it, from which request, before and after", handleNumberHistory),
		r(GET, num+"/identify", "phone_numbers.identify", authRequired, "The account a number routes to", handleNumberIdentify),
		r(PUT, num+"/used_by", "phone_numbers.used_by", authRequired, "Set the application that routes a number (callflow, trunkstore, ...)", handleNumberUsedBy),
		r(DELETE, num+"/used_by", "phone_numbers.used_by_clear", authRequired, "Clear the application that routes a number", handleNumberUsedBy),

		// Number features: the account's number_manager document
		// (Kazoo's configs_number_manager), routing jobs, manual actions.
		r(GET, acct+"/configs/number_manager", "configs.number_manager", authRequired, "The account's number_manager settings and those in force", handleAccountConfigGet),
		r(PUT, acct+"/configs/number_manager", "configs.number_manager_put", authRequired, "Set the account's number_manager settings (resellers above it, the master)", handleAccountConfigWrite),
		r(POST, acct+"/configs/number_manager", "configs.number_manager_replace", authRequired, "Replace the account's number_manager settings", handleAccountConfigWrite),
		r(PATCH, acct+"/configs/number_manager", "configs.number_manager_patch", authRequired, "Merge into the account's number_manager settings", handleAccountConfigWrite),
		r(DELETE, acct+"/configs/number_manager", "configs.number_manager_delete", authRequired, "Remove the account's number_manager settings", handleAccountConfigDelete),
		r(PUT, acct+"/routing_jobs", "routing_jobs.start", authRequired, "Re-point the numbers in service under the account at their routes", handleRoutingJobStart),
		r(GET, acct+"/routing_jobs/{JOB_ID}", "routing_jobs.get", authRequired, "A routing job's progress and failures", handleRoutingJobGet),
		r(GET, acct+"/manual_actions", "manual_actions.list", authRequired, "Feature actions waiting for an operator", handleManualActions),
		r(DELETE, num+"/manual_actions/{ACTION_ID}", "manual_actions.done", authRequired, "Mark a manual feature action done (admins)", handleManualActionDone),

		// Webhooks (webhooks.go; Kazoo's cb_webhooks, with Numan's events).
		r(GET, "/v2/webhooks", "webhooks.hooks", authRequired, "The hooks a webhook may name: event types, categories, all", handleWebhookTypes),
		r(GET, wh, "webhooks.list", authRequired, "The account's webhooks", handleWebhooksList),
		r(PUT, wh, "webhooks.create", authRequired, "Create a webhook (the reply shows its signing secret, once)", handleWebhookCreate),
		r(PATCH, wh, "webhooks.re_enable", authRequired, "{\"re-enable\":true} enables every disabled webhook of the account (Kazoo's)", handleWebhooksReEnable),
		r(GET, whID, "webhooks.get", authRequired, "A webhook", handleWebhookGet),
		r(POST, whID, "webhooks.replace", authRequired, "Replace a webhook", handleWebhookUpdate),
		r(PATCH, whID, "webhooks.patch", authRequired, "Change a webhook ({\"re-enable\":true} enables it again)", handleWebhookUpdate),
		r(DELETE, whID, "webhooks.delete", authRequired, "Delete a webhook", handleWebhookDelete),
		r(POST, whID+"/rotate_secret", "webhooks.rotate_secret", authRequired, "A new signing secret (shown once)", handleWebhookRotate),
		r(GET, whID+"/attempts", "webhooks.attempts", authRequired, "The delivery log: attempts, status, latency", handleWebhookAttempts),
		r(GET, whID+"/deliveries", "webhooks.deliveries", authRequired, "Deliveries (?status=pending|delivered|failed)", handleWebhookDeliveries),
		r(POST, whID+"/replay", "webhooks.replay", authRequired, "Deliver again one event (event_id) or a time range (since, until)", handleWebhookReplay),

		// Port requests (ports.go; Kazoo's cb_port_requests).
		r(GET, "/v2/port_requests", "port_requests.agent", authRequired, "The port requests the caller handles as port authority (?by_types=, ?by_number=)", handlePortsAgent),
		r(GET, pr, "port_requests.list", authRequired, "The account's port requests (?by_types=, ?by_number=, ?modified_from=, ?modified_to=)", handlePortsList),
		r(PUT, pr, "port_requests.create", authRequired, "Create a port request", handlePortCreate),
		r(GET, acct+"/descendants/port_requests", "port_requests.descendants", authRequired, "The port requests of the accounts below the account", handlePortsDescendants),
		r(GET, pr+"/last_submitted", "port_requests.last_submitted", authRequired, "The account's requests submitted and not yet sent to a carrier", handlePortLastSubmitted),
		r(GET, prID, "port_requests.get", authRequired, "Read a port request (Accept: application/x-pdf: its LOA)", handlePortGet),
		r(POST, prID, "port_requests.replace", authRequired, "Replace a port request's document (unconfirmed or rejected)", handlePortUpdate),
		r(PATCH, prID, "port_requests.patch", authRequired, "Merge into a port request's document", handlePortUpdate),
		r(DELETE, prID, "port_requests.delete", authRequired, "Delete a port request (unconfirmed, rejected or canceled)", handlePortDelete),
		r(PATCH, prID+"/submitted", "port_requests.submit", authRequired, "Submit a port request", handlePortTransition),
		r(PATCH, prID+"/pending", "port_requests.pending", authRequired, "Move a port request to pending (port authority)", handlePortTransition),
		r(PATCH, prID+"/scheduled", "port_requests.scheduled", authRequired, "Schedule a port request (port authority; schedule_on)", handlePortTransition),
		r(PATCH, prID+"/completed", "port_requests.completed", authRequired, "Complete a port request: its numbers go in service (port authority)", handlePortTransition),
		r(PATCH, prID+"/rejected", "port_requests.rejected", authRequired, "Reject a port request (port authority)", handlePortTransition),
		r(PATCH, prID+"/canceled", "port_requests.canceled", authRequired, "Cancel a port request", handlePortTransition),
		r(GET, prID+"/timeline", "port_requests.timeline", authRequired, "A port request's comments and transitions, oldest first", handlePortTimeline),
		r(GET, prID+"/notifications", "port_requests.notifications", authRequired, "What a port request's submitter and authority were told", handlePortNotifications),
		r(GET, prID+"/loa", "port_requests.loa", authRequired, "A port request's Letter of Authorization (PDF)", handlePortLOA),
		r(GET, att, "port_requests.attachments", authRequired, "A port request's documents", handlePortAttachments),
		document(r(PUT, att, "port_requests.attachment_add", authRequired, "Attach a PDF, PNG or JPEG document (?filename=, or multipart)", handlePortAttachmentPut)),
		r(GET, att+"/{ATTACHMENT}", "port_requests.attachment_get", authRequired, "Download a document", handlePortAttachmentGet),
		document(r(POST, att+"/{ATTACHMENT}", "port_requests.attachment_replace", authRequired, "Replace a document", handlePortAttachmentPut)),
		r(DELETE, att+"/{ATTACHMENT}", "port_requests.attachment_delete", authRequired, "Delete a document (unconfirmed, rejected or canceled)", handlePortAttachmentDelete),

		// Billing (billing.go): service plans, the ledger, credit and quotes.
		r(GET, "/v2/service_plans", "service_plans.list", authRequired, "Service plans the caller manages", handlePlansList),
		r(PUT, "/v2/service_plans", "service_plans.create", authRequired, "Create a service plan (master and resellers)", handlePlanCreate),
		r(GET, "/v2/service_plans/{PLAN_ID}", "service_plans.get", authRequired, "Read a service plan", handlePlanGet),
		r(POST, "/v2/service_plans/{PLAN_ID}", "service_plans.replace", authRequired, "Replace a service plan's prices", handlePlanUpdate),
		r(DELETE, "/v2/service_plans/{PLAN_ID}", "service_plans.delete", authRequired, "Delete a service plan no account uses", handlePlanDelete),
		r(GET, acct+"/service_plans", "accounts.service_plans", authRequired, "The account's service plans and the one in effect", handleAccountPlans),
		r(GET, acct+"/service_plans/current", "accounts.service_plans_current", authRequired, "The account's monthly bill", handleAccountPlanCurrent),
		r(GET, acct+"/service_plans/{PLAN_ID}", "accounts.service_plan_get", authRequired, "One of the account's service plans", handleAccountPlanGet),
		r(POST, acct+"/service_plans/{PLAN_ID}", "accounts.service_plan_add", authRequired, "Apply a service plan to the account", handleAccountPlanAdd),
		r(PUT, acct+"/service_plans/{PLAN_ID}", "accounts.service_plan_put", authRequired, "Apply a service plan to the account", handleAccountPlanAdd),
		r(DELETE, acct+"/service_plans/{PLAN_ID}", "accounts.service_plan_remove", authRequired, "Stop a service plan applying to the account", handleAccountPlanRemove),
		r(GET, acct+"/transactions", "accounts.transactions", authRequired, "The account's ledger", handleTransactions),
		r(GET, acct+"/credits", "accounts.credits", authRequired, "The account's prepaid credit", handleCreditGet),
		r(PUT, acct+"/credits", "accounts.credits_add", authRequired, "Add prepaid credit (master and ancestor resellers)", handleCreditAdd),
		r(PATCH, acct+"/credits", "accounts.credits_limit", authRequired, "Set how far below zero the balance may go (master and ancestor resellers)", handleCreditLimit),
		r(POST, acct+"/quotes", "accounts.quotes", authRequired, "What buying, creating or reserving numbers would cost", handleQuote),

		// Carrier audit (audit.go; the master only).
		admin(r(GET, "/v2/carriers/{CARRIER}/audit", "carriers.audit", authRequired, "Compare the numbers a carrier holds with Numan's records", handleCarrierAudit)),
		admin(r(POST, "/v2/carriers/{CARRIER}/audit", "carriers.audit_import", authRequired, "Audit a carrier; {\"import\":true} adds the numbers Numan does not know to the pool", handleCarrierAudit)),

		// System configuration (the master only).
		admin(r(GET, sc, "system_configs.get", authRequired, "A system-config document over its defaults", handleConfigGet)),
		admin(r(PUT, sc, "system_configs.create", authRequired, "Set a document's keys for every node", handleConfigWrite)),
		admin(r(POST, sc, "system_configs.replace", authRequired, "Replace a document's keys for every node", handleConfigWrite)),
		admin(r(PATCH, sc, "system_configs.patch", authRequired, "Merge into a document's keys for every node", handleConfigWrite)),
		admin(r(DELETE, sc, "system_configs.delete", authRequired, "Delete a document", handleConfigDelete)),
		admin(r(GET, sc+"/{NODE}", "system_configs.node_get", authRequired, "A document as one node sees it", handleConfigGet)),
		admin(r(PUT, sc+"/{NODE}", "system_configs.node_create", authRequired, "Set one node's overrides", handleConfigWrite)),
		admin(r(POST, sc+"/{NODE}", "system_configs.node_replace", authRequired, "Replace one node's overrides", handleConfigWrite)),
		admin(r(PATCH, sc+"/{NODE}", "system_configs.node_patch", authRequired, "Merge into one node's overrides", handleConfigWrite)),
		admin(r(DELETE, sc+"/{NODE}", "system_configs.node_delete", authRequired, "Delete one node's overrides", handleConfigDelete)),
	}
}
