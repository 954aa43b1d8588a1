#include "fax/station/station.h"

#include <chrono>
#include <system_error>
#include <vector>

#include "fax/base/private_file.h"

#include "send_journal.h"

namespace fax::station {

Result<gate::Policy> load_station_policy(const StationConfig& config) {
    if (!config.policy_file) return gate::Policy::defaults();
    auto p = gate::load_policy_file(*config.policy_file);
    if (!p) {
        Error e = p.take_error();
        // A policy that cannot be read or does not validate is a configuration error.
        if (e.code == Errc::NotFound || e.code == Errc::Io) e.code = Errc::InvalidInput;
        return fail(std::move(e));
    }
    return p;
}

namespace {

struct NamedDir {
    std::filesystem::path path;
    const char* what;
};

std::vector<NamedDir> station_dirs(const StationConfig& c) {
    return {{c.data_dir, "data directory"},
            {c.spool_dir(), "spool directory"},
            {c.reports_dir(), "reports directory"},
            {c.received_dir(), "received-fax directory"}};
}

}  // namespace

Status prepare_data_dirs(const StationConfig& config) {
    for (const auto& d : station_dirs(config)) FAX_TRY(make_private_dir(d.path, d.what));
    return {};
}

Status check_data_dirs(const StationConfig& config) {
    for (const auto& d : station_dirs(config)) {
        auto s = check_private_dir(d.path, d.what);
        if (!s && s.error().code != Errc::NotFound) return s;
    }
    return {};
}

Result<std::unique_ptr<Station>> Station::open(const StationConfig& config) {
    auto policy = load_station_policy(config);
    if (!policy) return fail(policy.take_error());
    FAX_TRY(prepare_data_dirs(config));
    auto stores = open_stores(config);
    if (!stores) return fail(stores.take_error());
    gate::AuditLog* audit = &stores->audit;
    // The trail's signing key (made at the first start, 0600): every entry from here on
    // is covered by a signed checkpoint (docs/policy.md, "Signed checkpoints").
    bool key_created = false;
    auto key = gate::AuditSigningKey::load_or_create(config.audit_key(), &key_created);
    if (!key) return fail(key.take_error());
    audit->set_signer(std::make_shared<const gate::AuditSigningKey>(std::move(*key)), config.audit_checkpoint_interval);
    auto head = audit->head();
    if (!head) return fail(head.take_error());
    // Signing begins: over what is there when the key is new, or over an empty trail.
    // A trail with a key of its own but no checkpoint has lost them: never signed over.
    if (key_created || head->seq == 0) FAX_TRY(audit->adopt_unsigned_trail(std::chrono::system_clock::now()));
    if (stores->shared) FAX_TRY(audit->register_signer(config.name, std::chrono::system_clock::now()));
    std::unique_ptr<Station> station(new Station(config, std::move(*policy), std::move(*stores),
                                                 gate::make_page_document_io(config.limits)));
    if (station->shared_) station->dispatcher_.set_shared_spool(config.spool_dir());
    // A foreground send that died (SIGKILL, power cut) gets its outcome now: the pages
    // its journal recorded as confirmed, nothing more; its spooled file goes.
    auto reconciled = detail::reconcile_foreground_sends(config.spool_dir(), station->gate(), station->audit(),
                                                         std::chrono::system_clock::now());
    if (!reconciled) return fail(reconciled.take_error());
    return station;
}

namespace {

gate::GateConfig gate_config(const StationConfig& c) {
    gate::GateConfig g;
    g.spool_dir = c.spool_dir();
    g.clearance_validity = c.clearance_validity;
    return g;
}

job::RetryPolicy retry_policy(const StationConfig& c) {
    job::RetryPolicy p;
    p.delays = c.retry_delays;
    p.max_attempts = c.max_attempts;
    return p;
}

}  // namespace

Station::Station(StationConfig config, gate::Policy policy, Stores stores, std::unique_ptr<gate::DocumentIo> documents)
    : config_(std::move(config)),
      directory_(std::move(stores.directory)),
      audit_(std::move(stores.audit)),
      queue_(std::move(stores.queue)),
      received_(std::move(stores.received)),
      shared_(std::move(stores.shared)),
      documents_(std::move(documents)),
      gate_(std::move(policy), directory_, audit_, *documents_, gate_config(config_)),
      dispatcher_(gate_, audit_, queue_, retry_policy(config_)) {}

gate::Context Station::context_now() const {
    gate::Context c;
    c.now = std::chrono::system_clock::now();
    c.utc_offset = config_.utc_offset;
    c.zone_label = config_.zone_label;
    return c;
}

}  // namespace fax::station
