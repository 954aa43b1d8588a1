#include "fax/station/daemon.h"

#include <poll.h>

#include <memory>
#include <optional>
#include <random>
#include <system_error>

#include "fax/base/utc_text.h"
#include "fax/base/log.h"
#include "fax/hal/serial_transport.h"
#include "fax/job/dispatcher.h"
#include "fax/job/outcome_mapping.h"
#include "fax/t30/realtime_runner.h"
#include "fax/report/transmission_report.h"
#include "fax/station/modem_port.h"
#include "fax/station/report_files.h"

namespace fax::station {
namespace {

constexpr const char* kLog = "faxd";
using SteadyTime = std::chrono::steady_clock::time_point;
// One call on one modem, serviced by the loop without blocking (service() with no wait).
using CallRunner = t30::RealtimeRunner;

t30::RealtimeOptions runner_options(hal::FlowControl flow, std::chrono::seconds call_limit) {
    t30::RealtimeOptions o;
    o.flow = flow;
    o.limit = call_limit;
    return o;
}

// One configured modem and the call it is running, if any.
struct Line {
    ModemConfig config;
    std::unique_ptr<hal::SerialTransport> transport;
    std::optional<job::StartedAttempt> attempt;
    std::string tiff;  // the attempt's spooled file (for the report)
    std::unique_ptr<t30::FaxSession> session;
    std::unique_ptr<CallRunner> runner;
    std::size_t outcomes_seen = 0;
    bool cancelled_by_staff = false;
    bool cancelled_for_shutdown = false;
    SteadyTime next_queue_look{};
    SteadyTime next_cancel_look{};
    // Receiving (config.answer): the fax being waited for or received.
    std::string rx_id;
    std::filesystem::path rx_path;
    std::chrono::system_clock::time_point rx_started{};
    std::optional<driver::ModemProfile> profile;  // chosen at the first open (modem_profile.h)

    bool busy() const { return attempt.has_value() || session != nullptr; }
    bool sending_line() const { return !config.answer; }
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

class Daemon {
public:
    Daemon(Station& station, const DaemonOptions& options) : station_(station), options_(options) {
        for (const auto& m : options.modems) {
            Line l;
            l.config = m;
            lines_.push_back(std::move(l));
        }
    }

    Status run(const std::function<bool()>& stop_requested) {
        auto recovered = station_.dispatcher().recover(station_.context_now());
        if (!recovered) return fail(recovered.take_error());
        if (*recovered > 0) FAX_LOG(Warn, kLog, "recovered " + std::to_string(*recovered) + " interrupted job(s)");
        // Each modem's profile before any call: a probe blocks for a few seconds, which
        // must not happen while another modem is in a call.
        for (auto& l : lines_) {
            hal::SerialTransport t(l.config.device, hal::LineSettings{l.config.speed, l.config.flow});
            if (t.open()) {
                l.profile = choose_profile(t, l.config);
                t.close();
            }
        }
        FAX_LOG(Info, kLog, "running on " + std::to_string(lines_.size()) + " modem(s)");
        bool stopping = false;
        for (;;) {
            if (!stopping && stop_requested && stop_requested()) {
                stopping = true;
                FAX_LOG(Info, kLog, "stopping: ending running calls");
                for (auto& l : lines_)
                    if (l.runner) {
                        l.cancelled_for_shutdown = l.attempt.has_value();
                        l.runner->cancel();
                    }
            }
            const bool any_call = std::any_of(lines_.begin(), lines_.end(), [](const Line& l) { return l.busy(); });
            if (stopping && !any_call) return {};
            if (!stopping) {
                for (auto& l : lines_)
                    if (!l.busy()) FAX_TRY(l.config.answer ? maybe_answer(l) : maybe_start(l));
                if (options_.exit_when_idle &&
                    std::none_of(lines_.begin(), lines_.end(),
                                 [](const Line& l) { return l.busy() && l.sending_line(); })) {
                    auto open_jobs = station_.queue().list({job::JobState::Queued, job::JobState::Running}, 1);
                    if (!open_jobs) return fail(open_jobs.take_error());
                    if (open_jobs->empty()) return {};
                }
            }
            wait_for_io();
            for (auto& l : lines_)
                if (l.busy()) FAX_TRY(service(l, stopping));
        }
    }

private:
    void wait_for_io() {
        std::vector<pollfd> fds;
        for (auto& l : lines_)
            if (l.busy() && l.transport && l.transport->poll_fd() >= 0)
                fds.push_back(pollfd{l.transport->poll_fd(), POLLIN, 0});
        const bool any_call = std::any_of(lines_.begin(), lines_.end(), [](const Line& l) { return l.busy(); });
        // In a call the session's timers need a turn every few tens of ms; idle, the
        // queue is looked at every queue_poll.
        const int timeout_ms = any_call ? 10 : static_cast<int>(std::min<int64_t>(options_.queue_poll.count(), 200));
        (void)::poll(fds.data(), fds.size(), timeout_ms);
    }

    Status maybe_start(Line& l) {
        const auto now = std::chrono::steady_clock::now();
        if (now < l.next_queue_look) return {};
        l.next_queue_look = now + options_.queue_poll;
        const auto ctx = station_.context_now();
        auto due = station_.queue().next_due(ctx.now);
        if (!due) return fail(due.take_error());
        if (!*due) return {};

        auto transport = std::make_unique<hal::SerialTransport>(l.config.device,
                                                                hal::LineSettings{l.config.speed, l.config.flow});
        if (auto s = transport->open(); !s) {
            FAX_LOG(Error, kLog, "modem " + l.config.device + ": " + s.error().to_string() + "; trying again in " +
                                     std::to_string(options_.reopen_delay.count()) + " s");
            l.next_queue_look = now + options_.reopen_delay;
            return {};
        }
        if (!ensure_profile(l, *transport)) return {};
        auto started = station_.dispatcher().start_next(l.config.device, ctx);
        if (!started) return fail(started.take_error());
        if (!*started) return {};  // the due job was closed (cancelled, refused) instead
        l.transport = std::move(transport);
        l.attempt.emplace(std::move(**started));
        l.tiff = l.attempt->release.tiff_path();
        l.outcomes_seen = 0;
        l.cancelled_by_staff = false;
        l.cancelled_for_shutdown = false;

        t30::SessionOptions so;
        so.local_ident = options_.ident;
        so.ecm = l.config.ecm;
        job::Tuning tuning = l.attempt->tuning;
        if (!l.config.ecm) tuning.ecm = false;  // a modem configured without ECM never uses it
        job::apply_tuning(tuning, so);
        so.quirks = l.profile->quirks;
        auto session = t30::FaxSession::transmit(std::move(l.attempt->release), so);
        if (!session) {
            FAX_LOG(Error, kLog, "job " + l.attempt->job_id + ": " + session.error().to_string());
            gate::TransmissionOutcome o;
            o.completion = gate::CompletionCode::Failed;
            o.detail = "not started: " + session.error().message;
            o.started_at = o.finished_at = ctx.now;
            return end_call(l, o);
        }
        l.session = std::move(*session);
        l.runner = std::make_unique<CallRunner>(*l.session, *l.transport, runner_options(l.config.flow, l.config.call_limit));
        if (auto s = l.runner->begin(); !s) {
            l.session->transport_failed(s.error());
            l.runner.reset();
            return finish_call(l);
        }
        l.next_cancel_look = now + std::chrono::seconds(1);
        return {};
    }

    // The modem's profile, chosen once: at start-up, or for a modem that could not be
    // opened then, when it is first opened while no other modem is in a call (a probe
    // blocks the loop for a few seconds); until then it waits.
    bool ensure_profile(Line& l, hal::Transport& transport) {
        if (l.profile) return true;
        if (std::any_of(lines_.begin(), lines_.end(), [](const Line& o) { return o.busy(); })) return false;
        l.profile = choose_profile(transport, l.config);
        return true;
    }

    // A receiving modem waits for a call with a receive session (answered by the
    // session on RING); after each call, or after ten minutes without one, it starts
    // again with a fresh session.
    Status maybe_answer(Line& l) {
        const auto now = std::chrono::steady_clock::now();
        if (now < l.next_queue_look) return {};
        l.next_queue_look = now + std::chrono::seconds(1);
        auto transport = std::make_unique<hal::SerialTransport>(l.config.device,
                                                                hal::LineSettings{l.config.speed, l.config.flow});
        if (auto s = transport->open(); !s) {
            FAX_LOG(Error, kLog, "modem " + l.config.device + " (answering): " + s.error().to_string() +
                                     "; trying again in " + std::to_string(options_.reopen_delay.count()) + " s");
            l.next_queue_look = now + options_.reopen_delay;
            return {};
        }
        if (!ensure_profile(l, *transport)) return {};
        std::error_code ec;
        const auto dir = station_.config().received_dir();
        if (std::filesystem::create_directories(dir, ec))
            std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
        l.rx_started = std::chrono::system_clock::now();
        l.rx_id = new_rx_id(l.rx_started);
        l.rx_path = dir / (l.rx_id + ".tif");
        t30::SessionOptions so;
        so.local_ident = options_.ident;
        so.ecm = l.config.ecm;
        so.ring_timeout = std::chrono::duration_cast<Samples>(std::chrono::minutes(10));
        so.quirks = l.profile->quirks;
        auto session = t30::FaxSession::receive(l.rx_path.string(), so);
        if (!session) {
            FAX_LOG(Error, kLog, "modem " + l.config.device + ": cannot start receiving: " + session.error().to_string());
            l.next_queue_look = now + options_.reopen_delay;
            return {};
        }
        l.transport = std::move(transport);
        l.session = std::move(*session);
        l.runner = std::make_unique<CallRunner>(*l.session, *l.transport,
                                                runner_options(l.config.flow, std::chrono::minutes(10) + l.config.call_limit));
        if (auto s = l.runner->begin(); !s) {
            l.session->transport_failed(s.error());
            l.runner.reset();
        }
        return {};
    }

    Status finish_receive(Line& l) {
        if (l.transport) l.transport->close();
        const auto& r = l.session->result();
        const auto finished = std::chrono::system_clock::now();
        const bool a_call = r.pages_received > 0 || !r.remote_ident.empty() || r.bit_rate > 0;
        std::error_code ec;
        if (r.pages_received == 0) std::filesystem::remove(l.rx_path, ec);
        else
            std::filesystem::permissions(l.rx_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                         std::filesystem::perm_options::replace, ec);
        if (a_call) {
            job::ReceivedFax f;
            f.id = l.rx_id;
            f.modem = l.config.device;
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
        l.transport.reset();
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
        if (l.transport) l.transport->close();  // HUPCL drops DTR: the modem hangs up
        const job::StartedAttempt& a = *l.attempt;
        auto job = station_.dispatcher().finish(a, o, l.cancelled_for_shutdown, std::chrono::system_clock::now());
        if (!job) return fail(job.take_error());
        if (options_.reports && l.session) write_report(l, o);
        if (job::is_closed(job->state)) drop_spool(station_.config(), job->id);
        else if (std::filesystem::path(l.tiff).filename() ==
                 a.job_id + ".a" + std::to_string(a.attempt) + ".tif") {
            std::error_code ec;  // a continuation file is made again for the next attempt
            std::filesystem::remove(l.tiff, ec);
        }
        l.runner.reset();
        l.session.reset();
        l.transport.reset();
        l.attempt.reset();
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

    Station& station_;
    DaemonOptions options_;
    std::vector<Line> lines_;
};

}  // namespace

Status run_daemon(Station& station, const DaemonOptions& options, const std::function<bool()>& stop_requested) {
    if (options.modems.empty())
        return fail(Errc::InvalidInput, "no modem: configure at least one [[modem]] with a device");
    Daemon d(station, options);
    return d.run(stop_requested);
}

}  // namespace fax::station
