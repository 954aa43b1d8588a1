#include "fax/sim/exchange.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "fax/base/log.h"
#include "ifp_channel.h"
#include "spandsp_adapter.h"

namespace fax::sim {

namespace {
constexpr std::string_view kComponent = "exchange";

double seconds(Samples s) { return static_cast<double>(s.count()) / kSampleRate; }

CallEvent make_event(CallEvent::Kind kind, Samples now, const std::string& from, const std::string& to) {
    CallEvent ev;
    ev.kind = kind;
    ev.time = now;
    ev.from = from;
    ev.to = to;
    return ev;
}

bool flag(const std::map<std::string, bool>& m, const std::string& key) {
    const auto it = m.find(key);
    return it != m.end() && it->second;
}
}  // namespace

std::string_view to_string(LineKind kind) {
    switch (kind) {
    case LineKind::Audio: return "audio";
    case LineKind::T38: return "t38";
    }
    return "?";
}

// ---------------------------------------------------------------- CallEvent

std::string_view to_string(CallEvent::Kind kind) {
    switch (kind) {
    case CallEvent::Kind::Dialing: return "dialing";
    case CallEvent::Kind::Ringing: return "ringing";
    case CallEvent::Kind::Answered: return "answered";
    case CallEvent::Kind::Busy: return "busy";
    case CallEvent::Kind::NoAnswer: return "no answer";
    case CallEvent::Kind::NoDialtone: return "no dial tone";
    case CallEvent::Kind::Unobtainable: return "number unobtainable";
    case CallEvent::Kind::HangUp: return "hang-up";
    }
    return "?";
}

std::string CallEvent::describe() const {
    char head[64];
    std::snprintf(head, sizeof head, "%10.3f s  ", seconds(time));
    std::string s = head;
    s += from.empty() ? std::string("?") : from;
    s += " -> ";
    s += to.empty() ? std::string("?") : to;
    s += "  ";
    s += to_string(kind);
    char tail[64];
    switch (kind) {
    case Kind::Ringing:
        std::snprintf(tail, sizeof tail, " (ring %d)", ring);
        s += tail;
        break;
    case Kind::HangUp:
        s += " by " + by;
        if (!cause.empty()) s += " (" + cause + ")";
        if (duration.count() > 0) {
            std::snprintf(tail, sizeof tail, ", call duration %.1f s", seconds(duration));
            s += tail;
        } else {
            s += ", before answer";
        }
        break;
    default:
        break;
    }
    return s;
}

// ---------------------------------------------------------------- internals

// The packet side of one end of a T.38 call: an endpoint that speaks T.38, or the
// gateway in front of one that does not.
class PacketEnd {
public:
    virtual ~PacketEnd() = default;
    virtual void advance(Samples dt) = 0;
    virtual std::optional<Samples> next_due() const = 0;
    virtual void receive(std::span<const uint8_t> ifp, uint16_t seq) = 0;
};

namespace {
class EndpointEnd final : public PacketEnd {
public:
    explicit EndpointEnd(LineEndpoint& ep) : ep_(ep) {}
    void advance(Samples dt) override { ep_.t38_advance(dt); }
    std::optional<Samples> next_due() const override { return ep_.t38_next_due(); }
    void receive(std::span<const uint8_t> ifp, uint16_t seq) override { ep_.ifp_received(ifp, seq); }

private:
    LineEndpoint& ep_;
};
}  // namespace

// A connected T.38 call: two packet ends and a datagram channel towards each. One end may
// be a gateway, whose analogue side is the audio of that end's line.
class Exchange::MediaPath {
public:
    class GatewayEnd final : public PacketEnd, public IfpSink {
    public:
        GatewayEnd(MediaPath& path, int side) : path_(path), side_(side) {}
        void advance(Samples) override {}
        std::optional<Samples> next_due() const override { return std::nullopt; }
        void receive(std::span<const uint8_t> ifp, uint16_t seq) override { engine->t38_rx(ifp, seq); }
        void ifp_send(std::span<const uint8_t> ifp, std::uint16_t seq, int count) override {
            path_.send(side_, ifp, seq, count);
        }
        std::unique_ptr<detail::T38GatewayEngine> engine;

    private:
        MediaPath& path_;
        int side_;
    };

    void send(int from, std::span<const uint8_t> ifp, std::uint16_t seq, int count) {
        to[1 - from]->send(ifp, seq, count, stamp);
    }
    void step(Samples now, Samples tick);

    std::unique_ptr<PacketEnd> ends[2];
    std::unique_ptr<detail::IfpChannel> to[2];  // to[i]: datagrams delivered to end i
    GatewayEnd* gateway = nullptr;              // the gateway end, if any
    int gateway_side = -1;
    Samples stamp{0};  // the simulated time of packets sent now
};

void Exchange::MediaPath::step(Samples now, Samples tick) {
    auto deliver = [&](Samples at) {
        bool any = false;
        for (int i = 0; i < 2; ++i) {
            to[i]->deliver_due(at, [&](std::span<const uint8_t> ifp, uint16_t seq) {
                any = true;
                ends[i]->receive(ifp, seq);
            });
        }
        return any;
    };
    // An event loop over the tick: packets are sent at the sample their front end paces
    // them for and arrive when the channel says, not rounded to the tick.
    Samples t{0};
    for (int guard = 0; guard < 4096; ++guard) {
        stamp = now + t;
        // Everything due at t, including what a delivery or a zero-delay step sets off.
        for (int round = 0; round < 16; ++round) {
            bool busy = deliver(now + t);
            for (auto& e : ends) {
                const auto d = e->next_due();
                if (d && d->count() == 0) {
                    e->advance(Samples{0});
                    busy = true;
                }
            }
            if (!busy) break;
        }
        Samples next = tick;
        for (auto& e : ends)
            if (const auto d = e->next_due(); d && d->count() > 0) next = std::min(next, t + *d);
        for (auto& c : to)
            if (const auto a = c->next_arrival(); a && *a > now + t) next = std::min(next, *a - now);
        for (auto& e : ends) e->advance(next - t);
        t = next;
        if (t >= tick) break;
    }
    stamp = now + tick;
}

// An endpoint's packet sink for its whole life; packets sent outside a T.38 call are dropped.
class Exchange::LinePort final : public IfpSink {
public:
    explicit LinePort(Line& line) : line_(line) {}
    void ifp_send(std::span<const uint8_t> ifp, std::uint16_t seq, int count) override;

private:
    Line& line_;
};

struct Exchange::Line {
    std::string number;
    LineEndpoint* endpoint = nullptr;
    std::vector<int16_t> tx;
    std::vector<int16_t> rx;
    std::unique_ptr<LinePort> port;
    MediaPath* media = nullptr;      // the T.38 path of the line's connected call
    int side = 0;                    // its end of that path (0: caller)
    Call* step_call = nullptr;       // the connected call, during step()
};

void Exchange::LinePort::ifp_send(std::span<const uint8_t> ifp, std::uint16_t seq, int count) {
    if (line_.media && line_.media->gateway_side != line_.side) line_.media->send(line_.side, ifp, seq, count);
}

// A line's faults and what acting on them needs: the noise generator, the drop
// generator, the echo path's memory of the line's own audio.
struct Exchange::FaultState {
    LineFaults faults;
    std::unique_ptr<detail::AwgnSource> noise;
    std::mt19937_64 drop_rng;
    std::vector<int16_t> echo_ring;  // the line's transmitted audio of the last echo->delay samples
    std::size_t echo_pos = 0;
};

struct Exchange::Call {
    enum class State {
        Failing,    // the caller will be told `failure` at `due`
        Dialing,    // post-dial delay; rings at `due`
        Ringing,    // next ring at `due`
        Connected,
    };
    std::string caller;
    std::string callee;  // the digits dialled
    State state = State::Dialing;
    CallFailure failure = CallFailure::Unobtainable;
    Samples due{0};
    int rings = 0;
    Samples answered_at{0};
    bool deaf_callee = false;  // set_no_answer: rings reach nobody
    std::optional<Samples> drop_at;  // a line fault releases the call then
    std::string drop_cause;
    std::unique_ptr<MediaPath> media;  // a T.38 call's packet path
};

struct Exchange::Request {
    enum class Kind { Dial, Answer, HangUp } kind;
    std::string from;
    std::string digits;
};

Exchange::Exchange(ExchangeOptions options) : options_(options) {}

Exchange::~Exchange() = default;

void Exchange::add_line(const std::string& number, LineEndpoint& endpoint) {
    auto line = std::make_unique<Line>();
    line->number = number;
    line->endpoint = &endpoint;
    line->port = std::make_unique<LinePort>(*line);
    lines_[number] = std::move(line);
}

bool Exchange::has_line(const std::string& number) const { return lines_.count(number) != 0; }

void Exchange::set_busy(const std::string& number, bool on) { busy_numbers_[number] = on; }
void Exchange::set_no_answer(const std::string& number, bool on) { no_answer_numbers_[number] = on; }
void Exchange::set_no_dialtone(const std::string& number, bool on) { no_dialtone_lines_[number] = on; }
void Exchange::set_behind_gateway(const std::string& number, bool on) { behind_gateway_[number] = on; }
bool Exchange::behind_gateway(const std::string& number) const { return flag(behind_gateway_, number); }

PacketStats Exchange::packet_stats(const std::string& number) const {
    const auto it = packet_stats_.find(number);
    return it == packet_stats_.end() ? PacketStats{} : it->second;
}

void Exchange::set_line_noise(const std::string& number, double dbm0) {
    LineFaults f = line_faults(number);
    f.noise_dbm0 = dbm0;
    set_line_faults(number, f);
}

void Exchange::set_line_faults(const std::string& number, LineFaults faults) {
    if (faults == LineFaults{}) {
        faults_.erase(number);
        return;
    }
    auto fs = std::make_unique<FaultState>();
    if (faults.noise_dbm0) {
        // A fixed seed per line keeps runs reproducible.
        const int seed = faults.noise_seed
                             ? static_cast<int>(*faults.noise_seed & 0x7fffffff)
                             : 1234567 + static_cast<int>(std::hash<std::string>{}(number) & 0xffff);
        auto noise = detail::AwgnSource::create(seed, *faults.noise_dbm0);
        if (noise)
            fs->noise = std::move(*noise);
        else
            FAX_LOG(Warn, kComponent, noise.error().to_string());
    }
    if (faults.drop_random) fs->drop_rng.seed(faults.drop_random->seed);
    fs->faults = std::move(faults);
    faults_[number] = std::move(fs);
}

LineFaults Exchange::line_faults(const std::string& number) const {
    const LineFaults* f = faults_of(number);
    return f ? *f : LineFaults{};
}

Exchange::FaultState* Exchange::fault_state(const std::string& number) {
    const auto it = faults_.find(number);
    return it == faults_.end() ? nullptr : it->second.get();
}

const LineFaults* Exchange::faults_of(const std::string& number) const {
    const auto it = faults_.find(number);
    return it == faults_.end() ? nullptr : &it->second->faults;
}

Exchange::Line* Exchange::find_line(const std::string& number) {
    const auto it = lines_.find(number);
    return it == lines_.end() ? nullptr : it->second.get();
}

const Exchange::Line* Exchange::find_line(const std::string& number) const {
    const auto it = lines_.find(number);
    return it == lines_.end() ? nullptr : it->second.get();
}

Exchange::Call* Exchange::find_call(const std::string& number) {
    for (auto& c : calls_) {
        if (c->caller == number) return c.get();
        if (c->callee == number && (c->state == Call::State::Ringing || c->state == Call::State::Connected))
            return c.get();
    }
    return nullptr;
}

const Exchange::Call* Exchange::find_call(const std::string& number) const {
    return const_cast<Exchange*>(this)->find_call(number);
}

bool Exchange::in_call(const std::string& number) const {
    const Call* c = find_call(number);
    return c && c->state == Call::State::Connected;
}

bool Exchange::engaged(const std::string& number) const { return find_call(number) != nullptr; }

std::optional<std::string> Exchange::peer(const std::string& number) const {
    const Call* c = find_call(number);
    if (!c || c->state != Call::State::Connected) return std::nullopt;
    return c->caller == number ? c->callee : c->caller;
}

void Exchange::dial(const std::string& from, const std::string& dial_string) {
    // Only digits route a call: separators, pauses and T/P prefixes are dropped.
    std::string digits;
    for (char c : dial_string)
        if (c >= '0' && c <= '9') digits += c;
    requests_.push_back(Request{Request::Kind::Dial, from, digits});
}
void Exchange::answer(const std::string& from) { requests_.push_back(Request{Request::Kind::Answer, from, {}}); }
void Exchange::hang_up(const std::string& from) { requests_.push_back(Request{Request::Kind::HangUp, from, {}}); }

void Exchange::emit(CallEvent ev) {
    FAX_LOG(Info, kComponent, ev.describe());
    events_.push_back(ev);
    if (on_event_) on_event_(events_.back());
}

// ---------------------------------------------------------------- call control

void Exchange::start_call(const std::string& from, const std::string& digits, Samples now) {
    if (!find_line(from)) return;
    if (find_call(from)) {
        FAX_LOG(Warn, kComponent, from + " dialled while engaged; ignored");
        return;
    }
    emit(make_event(CallEvent::Kind::Dialing, now, from, digits));
    auto call = std::make_unique<Call>();
    call->caller = from;
    call->callee = digits;
    const Line* callee = find_line(digits);
    const LineFaults* from_faults = faults_of(from);
    const LineFaults* to_faults = faults_of(digits);
    if (flag(no_dialtone_lines_, from) || (from_faults && from_faults->no_dialtone)) {
        call->state = Call::State::Failing;
        call->failure = CallFailure::NoDialtone;
        call->due = now + options_.dialtone_wait;
    } else if (flag(busy_numbers_, digits) || (to_faults && to_faults->busy) ||
               (callee && callee->endpoint->off_hook_idle()) ||
               (callee && find_call(digits)) || digits == from) {
        call->state = Call::State::Failing;
        call->failure = CallFailure::Busy;
        call->due = now + options_.post_dial_delay;
    } else if (flag(no_answer_numbers_, digits) || (to_faults && to_faults->no_answer)) {
        call->state = Call::State::Dialing;
        call->deaf_callee = true;
        call->due = now + options_.post_dial_delay;
    } else if (!callee) {
        call->state = Call::State::Failing;
        call->failure = CallFailure::Unobtainable;
        call->due = now + options_.unobtainable_delay;
    } else {
        call->state = Call::State::Dialing;
        call->due = now + options_.post_dial_delay;
    }
    if (call->state == Call::State::Dialing) {
        arm_faults(*call, from, false, now);
        arm_faults(*call, digits, false, now);
    }
    calls_.push_back(std::move(call));
}

// ---------------------------------------------------------------- line faults

void Exchange::arm_faults(Call& call, const std::string& number, bool at_answer, Samples now) {
    FaultState* fs = fault_state(number);
    if (!fs) return;
    const LineFaults& f = fs->faults;
    char cause[96];
    auto consider = [&](Samples at, const char* what, Samples after) {
        if (call.drop_at && *call.drop_at <= at) return;
        call.drop_at = at;
        std::snprintf(cause, sizeof cause, "line fault on %s: drop %.3f s after %s", number.c_str(), seconds(after),
                      what);
        call.drop_cause = cause;
    };
    if (!at_answer) {
        if (f.drop_after_dial) consider(now + *f.drop_after_dial, "dial", *f.drop_after_dial);
        return;
    }
    if (f.drop_after_answer) consider(now + *f.drop_after_answer, "answer", *f.drop_after_answer);
    if (f.drop_random) {
        // One draw per call; mt19937_64's sequence is fixed by the standard, and the
        // reduction below is plain arithmetic, so a seed means the same point everywhere.
        const auto span = (f.drop_random->to - f.drop_random->from).count();
        const std::uint64_t r = fs->drop_rng();
        const Samples after =
            f.drop_random->from + Samples{span > 0 ? static_cast<int64_t>(r % static_cast<std::uint64_t>(span)) : 0};
        consider(now + after, "answer (random)", after);
    }
    if (f.echo) {
        fs->echo_ring.assign(static_cast<std::size_t>(std::max<int64_t>(f.echo->delay.count(), 1)), 0);
        fs->echo_pos = 0;
    }
}

void Exchange::drop_call(Call& call, Samples now) {
    CallEvent ev = make_event(CallEvent::Kind::HangUp, now, call.caller, call.callee);
    ev.by = kReleasedByExchange;
    ev.cause = call.drop_cause;
    const bool connected = call.state == Call::State::Connected;
    if (connected) ev.duration = now - call.answered_at;
    const std::string caller = call.caller;
    LineEndpoint* callee_ep = nullptr;
    if (connected || (call.state == Call::State::Ringing && !call.deaf_callee))
        if (Line* l = find_line(call.callee)) callee_ep = l->endpoint;
    emit(ev);
    remove_call(call);  // `call` is gone from here on
    if (callee_ep) callee_ep->far_end_hung_up();
    if (Line* l = find_line(caller)) {
        if (connected)
            l->endpoint->far_end_hung_up();
        else
            l->endpoint->call_failed(CallFailure::Unobtainable);  // the line went dead: NO CARRIER
    }
}

void Exchange::apply_audio_faults(Line& line, FaultState& fs, const Call& call, Samples now) {
    const LineFaults& f = fs.faults;
    auto saturate = [](double v) {
        return static_cast<int16_t>(std::lround(std::clamp(v, double{std::numeric_limits<int16_t>::min()},
                                                           double{std::numeric_limits<int16_t>::max()})));
    };
    if (f.gain_db != 0) {
        const double g = std::pow(10.0, f.gain_db / 20.0);
        for (auto& x : line.rx) x = saturate(x * g);
    }
    if (f.echo && fs.echo_ring.empty())  // echo set during a call: it starts now
        fs.echo_ring.assign(static_cast<std::size_t>(std::max<int64_t>(f.echo->delay.count(), 1)), 0);
    if (f.echo) {
        const double g = std::pow(10.0, f.echo->level_db / 20.0);
        for (std::size_t i = 0; i < line.rx.size(); ++i) {
            const int16_t back = fs.echo_ring[fs.echo_pos];
            fs.echo_ring[fs.echo_pos] = i < line.tx.size() ? line.tx[i] : int16_t{0};
            fs.echo_pos = (fs.echo_pos + 1) % fs.echo_ring.size();
            line.rx[i] = saturate(line.rx[i] + back * g);
        }
    }
    if (f.dropouts && f.dropouts->period.count() > 0 && f.dropouts->length.count() > 0) {
        const int64_t period = f.dropouts->period.count();
        const int64_t length = f.dropouts->length.count();
        const int64_t t0 = (now - call.answered_at).count();
        for (std::size_t i = 0; i < line.rx.size(); ++i) {
            const int64_t t = t0 + static_cast<int64_t>(i);
            if (t >= period && t % period < length) line.rx[i] = 0;
        }
    }
    if (fs.noise) fs.noise->add_to(line.rx);
}


void Exchange::remove_call(const Call& call) {
    if (call.media)
        for (const std::string* n : {&call.caller, &call.callee})
            if (Line* l = find_line(*n); l && l->media == call.media.get()) l->media = nullptr;
    std::erase_if(calls_, [&](const std::unique_ptr<Call>& c) { return c.get() == &call; });
}

void Exchange::fail_call(Call& call, Samples now) {
    CallEvent::Kind kind = CallEvent::Kind::Unobtainable;
    switch (call.failure) {
    case CallFailure::Busy: kind = CallEvent::Kind::Busy; break;
    case CallFailure::NoAnswer: kind = CallEvent::Kind::NoAnswer; break;
    case CallFailure::NoDialtone: kind = CallEvent::Kind::NoDialtone; break;
    case CallFailure::Unobtainable: kind = CallEvent::Kind::Unobtainable; break;
    }
    const std::string caller = call.caller;
    const CallFailure why = call.failure;
    LineEndpoint* callee_ep = nullptr;
    if (call.state == Call::State::Ringing && !call.deaf_callee)
        if (Line* l = find_line(call.callee)) callee_ep = l->endpoint;
    emit(make_event(kind, now, call.caller, call.callee));
    remove_call(call);  // `call` is gone from here on
    if (callee_ep) callee_ep->far_end_hung_up();  // stop the ringing
    if (Line* l = find_line(caller)) l->endpoint->call_failed(why);
}

void Exchange::connect(Call& call, Samples now) {
    call.state = Call::State::Connected;
    call.answered_at = now;
    arm_faults(call, call.caller, true, now);
    arm_faults(call, call.callee, true, now);
    emit(make_event(CallEvent::Kind::Answered, now, call.caller, call.callee));
    select_media(call);
    // The answerer first: it starts its answer tone in the same step the caller hears the line open.
    if (Line* l = find_line(call.callee)) l->endpoint->call_answered();
    if (Line* l = find_line(call.caller)) l->endpoint->call_connected();
}

void Exchange::select_media(Call& call) {
    Line* lines[2] = {find_line(call.caller), find_line(call.callee)};
    if (options_.line_kind == LineKind::Audio || !lines[0] || !lines[1]) {
        for (Line* l : lines)
            if (l) l->endpoint->media_selected(LineKind::Audio, *l->port);
        return;
    }
    bool analogue[2];
    for (int i = 0; i < 2; ++i)
        analogue[i] = behind_gateway(lines[i]->number) || !lines[i]->endpoint->t38_capable();
    if (analogue[0] && analogue[1]) {
        // Two analogue ends: through two gateways the fax signals cross as they would on
        // audio, so the call is carried as audio.
        FAX_LOG(Debug, kComponent, call.caller + " -> " + call.callee + ": both ends analogue, carried as audio");
        for (Line* l : lines) l->endpoint->media_selected(LineKind::Audio, *l->port);
        return;
    }
    auto path = std::make_unique<MediaPath>();
    const std::uint64_t call_no = ++media_calls_;
    for (int i = 0; i < 2; ++i) {
        Line& l = *lines[i];
        const LineFaults* f = faults_of(l.number);
        std::optional<LineFaults::Packets> packets = f ? f->packets : std::nullopt;
        const std::uint64_t base = packets && packets->seed ? *packets->seed
                                                             : 0x7438ull * 1000003u + std::hash<std::string>{}(l.number);
        path->to[i] = std::make_unique<detail::IfpChannel>(packets, base ^ (call_no * 0x9E3779B97F4A7C15ull) ^ (i + 1u),
                                                           &packet_stats_[l.number]);
        l.media = path.get();
        l.side = i;
        if (analogue[i]) {
            auto gw = std::make_unique<MediaPath::GatewayEnd>(*path, i);
            auto engine = detail::T38GatewayEngine::create(*gw, options_.t38_version, "gateway " + l.number);
            if (!engine) {
                FAX_LOG(Error, kComponent, engine.error().to_string());
                for (Line* x : lines) {
                    x->media = nullptr;
                    x->endpoint->media_selected(LineKind::Audio, *x->port);
                }
                return;
            }
            gw->engine = std::move(*engine);
            path->gateway = gw.get();
            path->gateway_side = i;
            path->ends[i] = std::move(gw);
        } else {
            path->ends[i] = std::make_unique<EndpointEnd>(*l.endpoint);
        }
    }
    for (int i = 0; i < 2; ++i)
        lines[i]->endpoint->media_selected(analogue[i] ? LineKind::Audio : LineKind::T38, *lines[i]->port);
    call.media = std::move(path);
}

void Exchange::end_call(Call& call, const std::string& by, Samples now) {
    CallEvent ev = make_event(CallEvent::Kind::HangUp, now, call.caller, call.callee);
    ev.by = by;
    const bool connected = call.state == Call::State::Connected;
    if (connected) ev.duration = now - call.answered_at;
    const std::string other = by == call.caller ? call.callee : call.caller;
    const bool tell_other = connected || (call.state == Call::State::Ringing && !call.deaf_callee);
    emit(ev);
    remove_call(call);
    if (tell_other)
        if (Line* l = find_line(other)) l->endpoint->far_end_hung_up();
}

void Exchange::process_request(const Request& r, Samples now) {
    switch (r.kind) {
    case Request::Kind::Dial:
        start_call(r.from, r.digits, now);
        break;
    case Request::Kind::Answer:
        for (auto& c : calls_) {
            if (c->callee == r.from && c->state == Call::State::Ringing && !c->deaf_callee) {
                connect(*c, now);
                break;
            }
        }
        break;
    case Request::Kind::HangUp: {
        Call* c = find_call(r.from);
        if (!c) break;
        // A called line going on hook while it is only ringing changes nothing.
        if (c->caller != r.from && c->state != Call::State::Connected) break;
        end_call(*c, r.from, now);
        break;
    }
    }
}

void Exchange::run_timers(Samples now) {
    // Work on a snapshot: handling one call may add or remove others.
    std::vector<Call*> dropped;
    for (auto& c : calls_)
        if (c->drop_at && *c->drop_at <= now) dropped.push_back(c.get());
    for (Call* c : dropped)
        if (std::any_of(calls_.begin(), calls_.end(), [&](const auto& p) { return p.get() == c; })) drop_call(*c, now);
    std::vector<Call*> due;
    for (auto& c : calls_)
        if (c->state != Call::State::Connected && c->due <= now) due.push_back(c.get());
    for (Call* c : due) {
        if (std::none_of(calls_.begin(), calls_.end(), [&](const auto& p) { return p.get() == c; })) continue;
        switch (c->state) {
        case Call::State::Failing:
            fail_call(*c, now);
            break;
        case Call::State::Dialing: {
            Line* callee = c->deaf_callee ? nullptr : find_line(c->callee);
            if (callee && (find_call(c->callee) || callee->endpoint->off_hook_idle())) {
                c->failure = CallFailure::Busy;
                fail_call(*c, now);
                break;
            }
            if (callee && callee->endpoint->answers_on_arrival()) {
                connect(*c, now);
                break;
            }
            c->state = Call::State::Ringing;
            c->rings = 0;
            [[fallthrough]];
        }
        case Call::State::Ringing:
            if (c->rings >= options_.ring_limit) {
                c->failure = CallFailure::NoAnswer;
                fail_call(*c, now);
                break;
            }
            ++c->rings;
            c->due = now + options_.ring_cadence;
            {
                CallEvent ev = make_event(CallEvent::Kind::Ringing, now, c->caller, c->callee);
                ev.ring = c->rings;
                emit(ev);
            }
            if (!c->deaf_callee)
                if (Line* l = find_line(c->callee)) l->endpoint->ring(c->rings);
            break;
        case Call::State::Connected:
            break;
        }
    }
}

void Exchange::step(Samples now, Samples tick) {
    // Requests made while handling these may queue more: they wait for the next step.
    std::vector<Request> requests;
    requests.swap(requests_);
    for (const auto& r : requests) process_request(r, now);
    run_timers(now);

    // Each line's connected call, found once per step (not once per line and call).
    for (auto& [number, line] : lines_) line->step_call = nullptr;
    for (auto& c : calls_) {
        if (c->state != Call::State::Connected) continue;
        if (Line* l = find_line(c->caller)) l->step_call = c.get();
        if (Line* l = find_line(c->callee)) l->step_call = c.get();
    }
    // A line in a T.38 call carries no audio, unless it is the analogue side of a gateway.
    auto audio_line = [](const Line& l) { return !l.media || l.media->gateway_side == l.side; };

    const auto n = static_cast<std::size_t>(tick.count());
    for (auto& [number, line] : lines_) {
        if (!audio_line(*line)) continue;
        line->tx.assign(n, 0);
        line->endpoint->audio_tx(line->tx);
    }
    for (auto& [number, line] : lines_) {
        if (!audio_line(*line)) continue;
        line->rx.assign(n, 0);
        const Call* call = line->step_call;
        if (call && line->media) {
            MediaPath& m = *line->media;
            m.stamp = now;
            m.gateway->engine->audio_from_line(line->tx);
            m.gateway->engine->audio_to_line(line->rx);
            if (FaultState* fs = fault_state(number)) apply_audio_faults(*line, *fs, *call, now);
        } else if (call) {
            const std::string& other = call->caller == number ? call->callee : call->caller;
            if (const Line* p = find_line(other)) std::copy(p->tx.begin(), p->tx.end(), line->rx.begin());
            if (FaultState* fs = fault_state(number)) apply_audio_faults(*line, *fs, *call, now);
        }
        line->endpoint->audio_rx(line->rx);
    }
    for (auto& c : calls_)
        if (c->media) c->media->step(now, tick);
    for (auto& [number, line] : lines_) line->endpoint->step_done(now + tick);
}

}  // namespace fax::sim
