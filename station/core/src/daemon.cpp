#include "fax/station/daemon.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <system_error>

#include "fax/base/log.h"
#include "fax/base/private_file.h"
#include "fax/base/utc_text.h"
#include "fax/hal/usb_hotplug.h"
#include "fax/job/dispatcher.h"
#include "fax/job/outcome_mapping.h"
#include "fax/station/report_files.h"
#include "fax/t30/realtime_runner.h"

namespace fax::station {
namespace {

constexpr const char* kLog = "faxd";
using SteadyTime = std::chrono::steady_clock::time_point;
// One call on one modem, serviced by the loop without blocking (service() with no wait).
using CallRunner = t30::RealtimeRunner;
// How often faxd refreshes its modems' rows when nothing changes, and looks whether an
// idle modem is still attached.
constexpr auto kHeartbeat = std::chrono::seconds(5);

t30::RealtimeOptions runner_options(hal::FlowControl flow, std::chrono::seconds call_limit) {
    t30::RealtimeOptions o;
    o.flow = flow;
    o.limit = call_limit;
    return o;
}

enum class LineState { Idle, Busy, Absent, Unusable };

// One configured modem and the call it is running, if any.
struct Line {
    Line(ModemConfig config, std::string entry_name, const PortEnvironment& env)
        : port(std::move(config), env), entry(std::move(entry_name)) {}
    ModemPort port;
    std::string entry;  // unique name of the configured modem (its device text)
    LineState state = LineState::Idle;
    std::string detail;  // why absent or unusable
    std::optional<job::StartedAttempt> attempt;
    std::string tiff;  // the attempt's spooled file (for the report)
    std::unique_ptr<t30::CallSession> session;
    std::unique_ptr<CallRunner> runner;
    std::size_t outcomes_seen = 0;
    bool cancelled_by_staff = false;
    bool cancelled_for_shutdown = false;
    SteadyTime next_queue_look{};
    SteadyTime next_cancel_look{};
    SteadyTime next_lease_renewal{};
    SteadyTime lease_holds_until{};  // the attempt's lease as last renewed (steady clock)
    SteadyTime next_presence_look{};
    SteadyTime next_open_try{};  // absent or unusable: when to look again
    // Receiving (config.answer): the fax being waited for or received.
    std::string rx_id;
    std::filesystem::path rx_path;
    std::chrono::system_clock::time_point rx_started{};

    const ModemConfig& config() const { return port.config(); }
    bool busy() const { return attempt.has_value() || session != nullptr; }
    bool sending_line() const { return !config().answer; }
    std::string device_name() const { return port.attached() ? port.attached()->stable_id : config().device; }
};

std::string new_rx_id(std::chrono::system_clock::time_point now) {
    std::random_device rd;
    char tail[16];
    std::snprintf(tail, sizeof tail, "-%06x", rd() & 0xffffffu);
    return "R" + compact_utc(now) + tail;
}

// Removes the spooled files of a job that will not be attempted again (records: they
// are kept no longer than needed; the audit trail keeps their hashes).
void drop_spool(const StationConfig& config, const std::string& job_id) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(config.spool_dir(), ec)) {
        const std::string name = e.path().filename().string();
        if (name == job_id + ".tif" || (name.rfind(job_id + ".a", 0) == 0 && name.ends_with(".tif")))
            std::filesystem::remove(e.path(), ec);
    }
}

// A failure that means the device is not there (any more): absent, not broken.
bool gone(const Error& e) { return e.code == Errc::NotFound || e.code == Errc::Disconnected; }

// Unique names for the configured modems: their device text, "auto#2" for a second auto.
std::vector<std::string> entry_names(const std::vector<ModemConfig>& modems) {
    std::vector<std::string> names;
    for (const auto& m : modems) {
        std::string name = m.device;
        for (int n = 2; std::find(names.begin(), names.end(), name) != names.end(); ++n)
            name = m.device + "#" + std::to_string(n);
        names.push_back(name);
    }
    return names;
}

class Daemon {
public:
    Daemon(Station& station, const DaemonOptions& options) : station_(station), options_(options) {
        const auto names = entry_names(options.modems);
        for (std::size_t i = 0; i < options.modems.size(); ++i)
            lines_.push_back(std::make_unique<Line>(options.modems[i], names[i], options.environment));
    }

    Status run(const std::function<bool()>& stop_requested) {
        // A station on a shared store whose server is down at start waits for it: it
        // clears nothing and dials nothing until the server is back.
        for (;;) {
            auto recovered = station_.dispatcher().recover(station_.context_now(), job::Recovery::Startup);
            if (recovered) {
                if (*recovered > 0) FAX_LOG(Warn, kLog, "recovered " + std::to_string(*recovered) + " interrupted job(s)");
                break;
            }
            if (recovered.error().code != Errc::Unavailable) return fail(recovered.take_error());
            if (!wait_for_store(recovered.error(), stop_requested)) return {};
        }
        std::vector<std::string> entries;
        for (const auto& l : lines_) entries.push_back(l->entry);
        if (auto s = station_.queue().retain_modem_statuses(entries); !s && s.error().code != Errc::Unavailable)
            return s;
        start_hotplug();
        // Each modem's profile and class before any call: a probe blocks for a few seconds,
        // which must not happen while another modem is in a call.
        for (auto& l : lines_) establish(*l);
        FAX_LOG(Info, kLog, "running on " + std::to_string(lines_.size()) + " modem(s)" +
                                (station_.shared_store() != nullptr ? " as station " + station_.config().name + " of a shared store" : ""));
        bool stopping = false;
        for (;;) {
            bool done = false;
            auto s = tick(stop_requested, stopping, done);
            if (!s) {
                // The shared store is down: end every call (what was confirmed is in the
                // store, the rest is recovered once it is back) and wait for it.
                if (s.error().code != Errc::Unavailable) return s;
                abandon_calls();
                if (!wait_for_store(s.error(), stop_requested)) return {};
                auto recovered = station_.dispatcher().recover(station_.context_now(), job::Recovery::Startup);
                if (!recovered && recovered.error().code != Errc::Unavailable) return fail(recovered.take_error());
                continue;
            }
            if (done) return {};
        }
    }

private:
    Status tick(const std::function<bool()>& stop_requested, bool& stopping, bool& done) {
        if (!stopping && stop_requested && stop_requested()) {
            stopping = true;
            FAX_LOG(Info, kLog, "stopping: ending running calls");
            for (auto& l : lines_)
                if (l->runner) {
                    l->cancelled_for_shutdown = l->attempt.has_value();
                    l->runner->cancel();
                }
        }
        const bool any_call = std::any_of(lines_.begin(), lines_.end(), [](const auto& l) { return l->busy(); });
        if (stopping && !any_call) {
            for (auto& l : lines_) l->detail = "faxd stopped";
            done = true;
            return publish(true);
        }
        if (!stopping) {
            FAX_TRY(watch_hotplug());
            FAX_TRY(recover_expired_leases());
            for (auto& l : lines_) {
                if (l->busy()) continue;
                look_for(*l);
                FAX_TRY(l->config().answer ? maybe_answer(*l) : maybe_start(*l));
            }
            if (options_.exit_when_idle &&
                std::none_of(lines_.begin(), lines_.end(), [](const auto& l) { return l->busy() && l->sending_line(); })) {
                auto open_jobs = station_.queue().list({job::JobState::Queued, job::JobState::Running}, 1);
                if (!open_jobs) return fail(open_jobs.take_error());
                if (open_jobs->empty()) {
                    done = true;
                    return publish(true);
                }
            }
        }
        FAX_TRY(publish(false));
        wait_for_io();
        for (auto& l : lines_)
            if (l->busy()) FAX_TRY(service(*l, stopping));
        return {};
    }

    // ---- the shared store

    // Every call ends at once, unrecorded here: the attempt entry is in the trail and
    // each confirmed page in the queue, so recovery gives the attempt its outcome (only
    // the confirmed pages count) once the store is back.
    void abandon_calls() {
        for (auto& l : lines_) {
            if (!l->busy()) continue;
            if (l->runner) l->runner->cancel();
            if (l->attempt) FAX_LOG(Warn, kLog, "job " + l->attempt->job_id + ": call ended; the store is unreachable");
            l->runner.reset();
            l->session.reset();
            l->attempt.reset();
            l->port.close();
            l->state = LineState::Idle;
        }
        published_.clear();
    }

    // Waits until the shared store answers again (true), or until stopped (false).
    bool wait_for_store(const Error& why, const std::function<bool()>& stop_requested) {
        FAX_LOG(Error, kLog, why.message + ": no job is cleared or dialled until the store is back");
        store::Database* db = station_.shared_store();
        for (;;) {
            if (stop_requested && stop_requested()) return false;
            for (int i = 0; i < 10; ++i) {
                if (stop_requested && stop_requested()) return false;
                ::poll(nullptr, 0, 100);
            }
            if (db == nullptr || db->reachable()) {
                FAX_LOG(Warn, kLog, "the store is reachable again: resuming");
                return true;
            }
        }
    }

    // On a shared store, another station's attempt whose lease ran out (that station
    // died or lost the store) is recovered here: its outcome from the confirmed pages,
    // and the job queued again for the pages not yet confirmed.
    Status recover_expired_leases() {
        if (station_.shared_store() == nullptr) return {};
        const auto now = std::chrono::steady_clock::now();
        if (now < next_lease_sweep_) return {};
        next_lease_sweep_ = now + station_.config().lease / 3;
        auto n = station_.dispatcher().recover(station_.context_now(), job::Recovery::ExpiredLeases);
        if (!n) return fail(n.take_error());
        return drop_copies_of_closed_jobs();
    }

    // This station's copies of other stations' jobs (fetched from the store to send an
    // attempt) go once the job is closed, wherever it was closed. A file whose job the
    // queue does not know (a foreground send) is left alone.
    Status drop_copies_of_closed_jobs() {
        std::error_code ec;
        std::vector<std::string> jobs;
        for (const auto& e : std::filesystem::directory_iterator(station_.config().spool_dir(), ec)) {
            const std::string name = e.path().filename().string();
            if (!name.ends_with(".tif") || name.starts_with(".")) continue;
            std::string id = name.substr(0, name.size() - 4);
            if (const auto a = id.find(".a"); a != std::string::npos) id.resize(a);
            if (std::find(jobs.begin(), jobs.end(), id) == jobs.end()) jobs.push_back(id);
        }
        for (const auto& id : jobs) {
            if (std::any_of(lines_.begin(), lines_.end(), [&](const auto& l) { return l->attempt && l->attempt->job_id == id; }))
                continue;
            auto j = station_.queue().find(id);
            if (!j) return fail(j.take_error());
            if (*j && job::is_closed((*j)->state)) drop_spool(station_.config(), id);
        }
        return {};
    }

    // A running attempt's lease is renewed every third of its length. One that could not
    // be renewed in time ends its call: another station may take the job over, and a
    // page must never be sent by two.
    Status keep_lease(Line& l) {
        if (station_.shared_store() == nullptr || !l.attempt || !l.runner || l.runner->finished()) return {};
        const auto now = std::chrono::steady_clock::now();
        const auto lease = station_.config().lease;
        if (now >= l.next_lease_renewal) {
            l.next_lease_renewal = now + lease / 3;
            auto s = station_.queue().renew_lease(l.attempt->job_id, std::chrono::system_clock::now());
            if (s) {
                l.lease_holds_until = now + lease;
            } else if (s.error().code != Errc::Unavailable) {
                FAX_LOG(Error, kLog, "job " + l.attempt->job_id + ": " + s.error().message + "; ending the call");
                l.runner->cancel();
                return {};
            }
        }
        if (now + lease / 6 >= l.lease_holds_until) {
            FAX_LOG(Error, kLog, "job " + l.attempt->job_id + ": its lease could not be renewed; ending the call so that "
                                 "no other station sends the same pages");
            l.runner->cancel();
        }
        return {};
    }

    // ---- modems: presence, identity, state

    std::vector<std::string> claimed_by_others(const Line& self) const {
        std::vector<std::string> c;
        for (const auto& l : lines_)
            if (l.get() != &self && l->state != LineState::Absent && l->port.attached()) {
                c.push_back(l->port.attached()->stable_id);
                c.push_back(l->port.attached()->device_node);
            }
        return c;
    }

    void set_absent(Line& l, std::string why) {
        if (l.state != LineState::Absent) FAX_LOG(Warn, kLog, "modem " + l.entry + ": absent (" + why + ")");
        l.port.close();
        l.port.forget_identity();  // whatever comes back is probed again
        l.state = LineState::Absent;
        l.detail = std::move(why);
        l.next_open_try = std::chrono::steady_clock::now() + options_.reopen_delay;
    }

    void set_unusable(Line& l, const Error& e) {
        FAX_LOG(Error, kLog, "modem " + l.entry + ": " + e.to_string() + "; trying again in " +
                                 std::to_string(options_.reopen_delay.count()) + " s");
        l.port.close();
        l.state = LineState::Unusable;
        l.detail = std::string(to_string(e.code)) + ": " + e.message;
        l.next_open_try = std::chrono::steady_clock::now() + options_.reopen_delay;
    }

    // Opens the port and settles its profile and class (a probe, unless both are
    // configured), then closes it again: calls open it for themselves.
    void establish(Line& l) {
        if (auto s = l.port.open(claimed_by_others(l)); !s) {
            if (gone(s.error())) set_absent(l, s.error().message);
            else set_unusable(l, s.error());
            return;
        }
        if (auto s = l.port.identify(); !s) {
            if (gone(s.error())) set_absent(l, s.error().message);
            else set_unusable(l, s.error());
            return;
        }
        l.port.close();
        if (l.state != LineState::Idle)
            FAX_LOG(Info, kLog, "modem " + l.entry + ": attached as " + l.device_name() + ", Class " +
                                    std::string(to_string(l.port.modem_class())) + ", profile " + l.port.profile().id);
        l.state = LineState::Idle;
        l.detail.clear();
    }

    // An idle modem that has gone is marked absent; an absent or unusable one is tried
    // again when its time comes (or at once after a USB arrival). A probe blocks the loop,
    // so a modem that needs one waits until no other modem is in a call.
    void look_for(Line& l) {
        const auto now = std::chrono::steady_clock::now();
        if (l.state == LineState::Idle) {
            if (now < l.next_presence_look) return;
            l.next_presence_look = now + kHeartbeat;
            if (auto d = l.port.locate(claimed_by_others(l)); !d) set_absent(l, d.error().message);
            else if (l.port.attached() && d->stable_id != l.port.attached()->stable_id) l.port.forget_identity();
            return;
        }
        if (now < l.next_open_try) return;
        if (std::any_of(lines_.begin(), lines_.end(), [](const auto& o) { return o->busy(); })) return;
        establish(l);
    }

    void start_hotplug() {
        if (!options_.watch_usb) return;
        const bool usb = std::any_of(lines_.begin(), lines_.end(),
                                     [](const auto& l) { return l->port.spec().kind != DeviceSpec::Kind::Path; });
        if (!usb) return;
        auto m = hal::UsbHotplugMonitor::create(false);
        if (!m) {
            FAX_LOG(Info, kLog, "USB hot-plug not available (" + m.error().message + "): absent modems are looked for every " +
                                    std::to_string(options_.reopen_delay.count()) + " s");
            return;
        }
        hotplug_ = std::move(*m);
    }

    // Arrivals: absent modems are looked for at once. Departures: an idle modem on that
    // port is absent now (one in a call learns it from its transport).
    Status watch_hotplug() {
        if (!hotplug_) return {};
        auto events = hotplug_->poll(std::chrono::milliseconds(0));
        if (!events) {
            FAX_LOG(Warn, kLog, "USB hot-plug: " + events.error().message);
            hotplug_.reset();
            return {};
        }
        for (const auto& e : *events) {
            for (auto& l : lines_) {
                if (e.arrived && l->state != LineState::Idle && !l->busy()) {
                    l->next_open_try = std::chrono::steady_clock::now();
                } else if (!e.arrived && l->state == LineState::Idle && !l->busy() && l->port.attached() &&
                           l->port.attached()->bus == e.bus && l->port.attached()->port_path == e.port_path) {
                    set_absent(*l, "unplugged");
                }
            }
        }
        return {};
    }

    std::string state_name(const Line& l) const {
        switch (l.state) {
        case LineState::Absent: return "absent";
        case LineState::Unusable: return "unusable";
        case LineState::Busy:
            if (l.attempt) return "sending";
            if (l.session && (l.session->phase() == t30::CallPhase::WaitingForCall ||
                              l.session->phase() == t30::CallPhase::Init))
                return "answering";
            return "receiving";
        case LineState::Idle: return l.config().answer ? "answering" : "idle";
        }
        return "idle";
    }

    // The modem_status rows (faxctl modems), written when a modem's state changes and
    // refreshed every kHeartbeat while faxd runs.
    Status publish(bool force) {
        const auto now = std::chrono::steady_clock::now();
        const bool heartbeat = now >= next_heartbeat_;
        if (heartbeat) next_heartbeat_ = now + kHeartbeat;
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            const Line& l = *lines_[i];
            job::ModemStatus m;
            m.entry = l.entry;
            if (l.state != LineState::Absent && l.port.attached()) m.device = l.port.attached()->stable_id;
            if (l.port.identified()) {
                m.modem_class = std::string(to_string(l.port.modem_class()));
                m.profile = l.port.profile().id;
            }
            m.state = state_name(l);
            if (l.attempt) m.job_id = l.attempt->job_id;
            m.detail = l.detail;
            m.pid = static_cast<int>(::getpid());
            if (i >= published_.size()) published_.resize(lines_.size());
            const bool same = published_[i].entry == m.entry && published_[i].device == m.device &&
                              published_[i].modem_class == m.modem_class && published_[i].profile == m.profile &&
                              published_[i].state == m.state && published_[i].job_id == m.job_id &&
                              published_[i].detail == m.detail;
            if (same && !force && !heartbeat) continue;
            m.updated_at = std::chrono::system_clock::now();
            FAX_TRY(station_.queue().put_modem_status(m));
            published_[i] = m;
        }
        return {};
    }

    void wait_for_io() {
        std::vector<pollfd> fds;
        for (auto& l : lines_)
            if (l->busy() && l->port.is_open() && l->port.transport().poll_fd() >= 0)
                fds.push_back(pollfd{l->port.transport().poll_fd(), POLLIN, 0});
        const bool any_call = std::any_of(lines_.begin(), lines_.end(), [](const auto& l) { return l->busy(); });
        // In a call the session's timers need a turn every few tens of ms; idle, the
        // queue is looked at every queue_poll.
        const int timeout_ms = any_call ? 10 : static_cast<int>(std::min<int64_t>(options_.queue_poll.count(), 200));
        (void)::poll(fds.data(), fds.size(), timeout_ms);
    }

    // Opens the port for a call, and identifies it first if it was not yet (only while no
    // other modem is in a call: a probe blocks the loop). False: not now.
    bool open_for_call(Line& l) {
        if (!l.port.identified() &&
            std::any_of(lines_.begin(), lines_.end(), [](const auto& o) { return o->busy(); }))
            return false;
        if (auto s = l.port.open(claimed_by_others(l)); !s) {
            if (gone(s.error())) set_absent(l, s.error().message);
            else set_unusable(l, s.error());
            return false;
        }
        if (auto s = l.port.identify(); !s) {
            if (gone(s.error())) set_absent(l, s.error().message);
            else set_unusable(l, s.error());
            return false;
        }
        return true;
    }

    // ---- sending

    Status maybe_start(Line& l) {
        if (l.state != LineState::Idle) return {};
        const auto now = std::chrono::steady_clock::now();
        if (now < l.next_queue_look) return {};
        l.next_queue_look = now + options_.queue_poll;
        const auto ctx = station_.context_now();
        auto due = station_.queue().next_due(ctx.now);
        if (!due) return fail(due.take_error());
        if (!*due) return {};
        if (!open_for_call(l)) return {};
        auto started = station_.dispatcher().start_next(l.device_name(), ctx);
        if (!started) return fail(started.take_error());
        if (!*started) {  // the due job was closed (cancelled, refused) instead
            l.port.close();
            return {};
        }
        l.attempt.emplace(std::move(**started));
        l.tiff = l.attempt->release.tiff_path();
        l.outcomes_seen = 0;
        l.cancelled_by_staff = false;
        l.cancelled_for_shutdown = false;
        l.state = LineState::Busy;

        job::Tuning tuning = l.attempt->tuning;
        auto session = l.port.make_session(SendRole{std::move(l.attempt->release), tuning, options_.ident});
        if (!session) {
            FAX_LOG(Error, kLog, "job " + l.attempt->job_id + ": " + session.error().to_string());
            gate::TransmissionOutcome o;
            o.completion = gate::CompletionCode::Failed;
            o.detail = "not started: " + session.error().message;
            o.started_at = o.finished_at = ctx.now;
            return end_call(l, o);
        }
        l.session = std::move(*session);
        l.runner = std::make_unique<CallRunner>(*l.session, l.port.transport(),
                                                runner_options(l.config().flow, l.config().call_limit));
        if (auto s = l.runner->begin(); !s) {
            l.session->transport_failed(s.error());
            l.runner.reset();
            return finish_call(l);
        }
        FAX_LOG(Info, kLog, "job " + l.attempt->job_id + ": attempt " + std::to_string(l.attempt->attempt) + " on " +
                                l.entry + " (Class " + std::string(to_string(l.port.modem_class())) + ", " +
                                job::describe(tuning) + ")");
        l.next_cancel_look = now + std::chrono::seconds(1);
        l.next_lease_renewal = now + station_.config().lease / 3;
        l.lease_holds_until = now + station_.config().lease;
        return {};
    }

    Status service(Line& l, bool stopping) {
        if (!l.attempt) {  // a receiving modem
            if (l.runner) {
                if (stopping) l.runner->cancel();
                l.runner->service();
                if (!l.runner->finished()) return {};
            }
            return finish_receive(l);
        }
        if (!l.runner) return finish_call(l);
        l.runner->service();
        // Every page the remote confirmed is durable before anything else happens.
        const auto& outcomes = l.session->result().page_outcomes;
        for (; l.outcomes_seen < outcomes.size(); ++l.outcomes_seen) {
            const auto& po = outcomes[l.outcomes_seen];
            if (po.response == "MCF")
                FAX_TRY(station_.dispatcher().page_confirmed(*l.attempt, po.page, std::chrono::system_clock::now()));
        }
        FAX_TRY(keep_lease(l));
        const auto now = std::chrono::steady_clock::now();
        if (!stopping && !l.runner->finished() && now >= l.next_cancel_look) {
            l.next_cancel_look = now + std::chrono::seconds(1);
            auto c = station_.dispatcher().cancel_requested(l.attempt->job_id);
            if (!c) return fail(c.take_error());
            if (*c && !l.cancelled_by_staff) {
                FAX_LOG(Info, kLog, "job " + l.attempt->job_id + ": cancelled by staff; ending the call");
                l.cancelled_by_staff = true;
                l.runner->cancel();
            }
        }
        if (l.runner->finished()) return finish_call(l);
        return {};
    }

    // Did the call end because the modem went away (unplugged)?
    static bool lost_device(const Line& l) {
        const Status& session_status = l.session ? l.session->result().status : Status{};
        const Status runner_status = l.runner ? l.runner->status() : Status{};
        return (!session_status.ok() && session_status.error().code == Errc::Disconnected) ||
               (!runner_status.ok() && runner_status.error().code == Errc::Disconnected);
    }

    Status finish_call(Line& l) {
        const auto finished_at = std::chrono::system_clock::now();
        const auto started_at = l.attempt->started_at;
        gate::TransmissionOutcome o =
            job::outcome_for_attempt(l.session->result(), l.runner ? l.runner->status() : Status{}, l.attempt->attempt,
                                     l.attempt->pages, started_at, finished_at);
        if (l.cancelled_for_shutdown && o.completion == gate::CompletionCode::Cancelled)
            o.detail = "the station stopped (SIGTERM) during the call";
        return end_call(l, o);
    }

    Status end_call(Line& l, gate::TransmissionOutcome o) {
        const bool lost = lost_device(l);
        l.port.close();  // HUPCL drops DTR: the modem hangs up
        const job::StartedAttempt& a = *l.attempt;
        auto job = station_.dispatcher().finish(a, o, l.cancelled_for_shutdown, std::chrono::system_clock::now());
        if (!job) return fail(job.take_error());
        if (options_.reports && l.session) write_report(l, o);
        if (job::is_closed(job->state)) drop_spool(station_.config(), job->id);
        else if (std::filesystem::path(l.tiff).filename() == a.job_id + ".a" + std::to_string(a.attempt) + ".tif") {
            std::error_code ec;  // a continuation file is made again for the next attempt
            std::filesystem::remove(l.tiff, ec);
        }
        l.runner.reset();
        l.session.reset();
        l.attempt.reset();
        l.state = LineState::Idle;
        if (lost) {
            FAX_LOG(Warn, kLog, "job " + job->id + ": modem " + l.entry + " was unplugged during the call; the job waits for a modem");
            set_absent(l, "unplugged during a call");
        }
        return {};
    }

    void write_report(const Line& l, const gate::TransmissionOutcome& o) {
        TransmitReport rep;
        rep.job_id = l.attempt->job_id;
        rep.pages_total = static_cast<int>(l.attempt->pages.size());
        rep.outcome = o;
        rep.page_outcomes = l.session->result().page_outcomes;
        rep.recorded = Status{};
        ReportRecipient who;
        if (auto j = station_.queue().find(rep.job_id); j.ok() && *j) {
            if (auto e = station_.directory().get((*j)->recipient_id); e.ok()) {
                who.organisation = e->organisation;
                who.attention = e->person;
                who.number = e->fax.display();
                if (e->expected_csi) who.expected_csi = *e->expected_csi;
            }
        }
        auto files = write_job_report(station_.config(), rep, who, l.tiff);
        if (!files) FAX_LOG(Warn, kLog, "job " + rep.job_id + ": the transmission report was not written");
    }

    // ---- receiving

    // A receiving modem waits for a call with a receive session (answered by the
    // session on RING); after each call, or after ten minutes without one, it starts
    // again with a fresh session.
    Status maybe_answer(Line& l) {
        if (l.state != LineState::Idle) return {};
        const auto now = std::chrono::steady_clock::now();
        if (now < l.next_queue_look) return {};
        l.next_queue_look = now + std::chrono::seconds(1);
        if (!open_for_call(l)) return {};
        // Received faxes are records: the directory is made 0700 if missing and a line
        // whose directory is not private does not answer (the session writes the fax 0600
        // under .part and renames it: t30/page part_file).
        const auto dir = station_.config().received_dir();
        if (auto s = make_private_dir(dir, "received-fax directory"); !s) {
            set_unusable(l, s.error());
            return {};
        }
        l.rx_started = std::chrono::system_clock::now();
        l.rx_id = new_rx_id(l.rx_started);
        l.rx_path = dir / (l.rx_id + ".tif");
        auto session = l.port.make_session(
            ReceiveRole{l.rx_path, options_.ident, std::chrono::duration_cast<Samples>(std::chrono::minutes(10))});
        if (!session) {
            set_unusable(l, Error{session.error().code, "cannot start receiving: " + session.error().message});
            return {};
        }
        l.session = std::move(*session);
        l.state = LineState::Busy;
        l.runner = std::make_unique<CallRunner>(*l.session, l.port.transport(),
                                                runner_options(l.config().flow, std::chrono::minutes(10) + l.config().call_limit));
        if (auto s = l.runner->begin(); !s) {
            l.session->transport_failed(s.error());
            l.runner.reset();
        }
        return {};
    }

    Status finish_receive(Line& l) {
        const bool lost = lost_device(l);
        l.port.close();
        const auto& r = l.session->result();
        const auto finished = std::chrono::system_clock::now();
        const bool a_call = r.pages_received > 0 || !r.remote_ident.empty() || r.bit_rate > 0;
        // The session wrote <rx_path>.part, created 0600, and renamed it to rx_path if
        // pages arrived: nothing to tidy or to make private here.
        if (a_call) {
            job::ReceivedFax f;
            f.id = l.rx_id;
            f.modem = l.device_name();
            f.remote_tsi = r.remote_ident;
            f.pages = r.pages_received;
            f.complete = r.call_completed && r.pages_received > 0;
            f.completion = r.pages_received == 0 ? "failed" : f.complete ? "ok" : "partial";
            f.detail = !r.status.ok() ? std::string(to_string(r.status.error().code)) + ": " + r.status.error().message
                                      : r.completion_text;
            if (f.detail.size() > 200) f.detail.resize(200);
            f.bit_rate = r.bit_rate;
            f.modulation = r.modulation;
            f.ecm = r.ecm;
            f.compression = r.compression;
            f.started_at = l.rx_started;
            f.finished_at = finished;
            f.station = station_.config().name;
            if (r.pages_received > 0) f.tiff_path = l.rx_path.string();
            FAX_TRY(station_.received().add(f));
            FAX_LOG(Info, kLog,
                    "received fax " + f.id + " on " + f.modem + ": " + std::to_string(f.pages) + " page(s) from '" +
                        f.remote_tsi + "', " + f.completion);
            if (options_.reports && !write_reception_report(station_.config(), f))
                FAX_LOG(Warn, kLog, "received fax " + f.id + ": the reception report was not written");
        }
        l.runner.reset();
        l.session.reset();
        l.state = LineState::Idle;
        if (lost) set_absent(l, "unplugged during a call");
        return {};
    }

    Station& station_;
    DaemonOptions options_;
    std::vector<std::unique_ptr<Line>> lines_;
    std::unique_ptr<hal::UsbHotplugMonitor> hotplug_;
    std::vector<job::ModemStatus> published_;
    SteadyTime next_heartbeat_{};
    SteadyTime next_lease_sweep_{};
};

}  // namespace

Status run_daemon(Station& station, const DaemonOptions& options, const std::function<bool()>& stop_requested) {
    if (options.modems.empty())
        return fail(Errc::InvalidInput, "no modem: configure at least one [[modem]] with a device");
    Daemon d(station, options);
    return d.run(stop_requested);
}

}  // namespace fax::station
