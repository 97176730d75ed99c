package number

// Config is the system configuration document "number_manager", with
// Kazoo's keys. DefaultConfig gives Kazoo's defaults; a stored document is
// decoded over them.
type Config struct {
	AvailableModuleName      string      `json:"available_module_name"`
	CarrierModules           []string    `json:"carrier_modules"`
	Classifiers              Classifiers `json:"classifiers"`
	E164Converters           Converters  `json:"e164_converters"`
	ReconcileRegex           string      `json:"reconcile_regex"`
	DefaultForceOutbound     bool        `json:"default_force_outbound"`
	ForceLocalOutbound       bool        `json:"force_local_outbound"`
	ForcePortInOutbound      bool        `json:"force_port_in_outbound"`
	ForcePortOutOutbound     bool        `json:"force_port_out_outbound"`
	FetchAccountFromPorts    bool        `json:"fetch_account_from_ports"`
	LocalFeatureOverride     bool        `json:"local_feature_override"`
	MaximumSearchQuantity    int         `json:"maximum_search_quantity"`
	NumberSearchTimeoutMS    int         `json:"number_search_timeout_ms"`
	PortInModuleName         string      `json:"port_in_module_name"`
	ReleasedState            State       `json:"released_state"`
	ShouldAge                bool        `json:"should_age"`
	ShouldPermanentlyDelete  bool        `json:"should_permanently_delete"`
	UnauthorizedNumberLookup bool        `json:"unauthorized_numbers_lookup"`
	FeaturesAllow            []string    `json:"features.allow,omitempty"`
	FeaturesDeny             []string    `json:"features.deny,omitempty"`
	DiscoveryExpiryS         int         `json:"discovery_expiry_s"` // Numan: how long search results stay in discovery
	AgingExpiryD             int         `json:"aging_expiry_d"`
	// RateLimits bound every account's API requests unless an account's
	// number_manager document (or an ancestor's) sets its own; nil: none.
	RateLimits *RateLimits `json:"rate_limits,omitempty"`
	// E911Provider and CNAMProvider name the feature providers that serve
	// e911 and cnam (Kazoo's keys; "" = dash_e911 and cnam_notifier). A
	// reseller's account document may name others for its accounts.
	E911Provider string `json:"e911_provider,omitempty"`
	CNAMProvider string `json:"cnam_provider,omitempty"`
	// AllowPortTransitionFromSubmittedToScheduled lets a port request go
	// from submitted straight to scheduled (Kazoo's key, read on each
	// transition).
	AllowPortTransitionFromSubmittedToScheduled bool `json:"allow_port_transition_from_submitted_to_scheduled"`
	// PortCarrier names the carrier (registry name) that port requests
	// handled by the master are submitted to and followed at; "" leaves
	// every port request to be moved by hand, as in Kazoo. Numan's key.
	PortCarrier string `json:"port_carrier,omitempty"`
	// PortCheckIntervalS is how often a port request submitted to a
	// carrier is looked at there. Numan's key.
	PortCheckIntervalS int `json:"port_check_interval_s"`
	// EventRetentionDays is how long events (a number's history, webhook
	// deliveries and their log) are kept; 0 keeps them forever. Numan's
	// key.
	EventRetentionDays int            `json:"event_retention_days"`
	Extra              map[string]any `json:"-"` // keys Numan does not interpret, kept as stored
}

// DefaultReconcileRegex is Kazoo's default reconcile_regex.
const DefaultReconcileRegex = `^(\+?1)?\d{10}$|^\+[2-9]\d{7,}$|^011\d*$|^00\d*$`

// DefaultConfig returns Kazoo's defaults for number_manager. Kazoo's
// default module (knm_local) is the module declared Default.
func DefaultConfig() Config {
	return Config{
		AvailableModuleName:   DefaultModule(),
		CarrierModules:        []string{DefaultModule()},
		Classifiers:           DefaultClassifiers(),
		E164Converters:        DefaultConverters(),
		ReconcileRegex:        DefaultReconcileRegex,
		ForceLocalOutbound:    true,
		ForcePortInOutbound:   true,
		ForcePortOutOutbound:  true,
		FetchAccountFromPorts: true,
		MaximumSearchQuantity: 500,
		NumberSearchTimeoutMS: 5000,
		PortInModuleName:      DefaultModule(),
		ReleasedState:         Available,
		DiscoveryExpiryS:      86400,
		AgingExpiryD:          90,
		PortCheckIntervalS:    900,
		EventRetentionDays:    90,
	}
}
