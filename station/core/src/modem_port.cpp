#include "fax/station/modem_port.h"

#include <algorithm>
#include <charconv>

#include "fax/base/log.h"
#include "fax/driver/modem_prober.h"
#include "fax/driver/profile_loader.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"

namespace fax::station {
namespace {

constexpr const char* kLog = "modem";

std::optional<uint16_t> hex16(std::string_view s) {
    if (s.size() != 4) return std::nullopt;
    uint16_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto p = s.find(sep);
        out.push_back(s.substr(0, p));
        if (p == std::string_view::npos) return out;
        s.remove_prefix(p + 1);
    }
}

Unexpected bad_spec(std::string_view text, std::string_view why) {
    return fail(Errc::InvalidInput, "'" + std::string(text.substr(0, 80)) + "' " + std::string(why));
}

// The same file? (A /dev/serial/by-id link and the node it points to are one modem.)
bool same_path(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return false;
    if (a == b) return true;
    std::error_code ec1, ec2;
    const auto ca = std::filesystem::weakly_canonical(a, ec1), cb = std::filesystem::weakly_canonical(b, ec2);
    return !ec1 && !ec2 && ca == cb;
}

bool is_claimed(const hal::DeviceDescription& d, std::span<const std::string> claimed) {
    return std::any_of(claimed.begin(), claimed.end(), [&](const std::string& c) {
        return c == d.stable_id || same_path(c, d.device_node) || same_path(c, d.stable_id);
    });
}

// A fax modem `auto` may take: a known USB model, a USB device with CDC-ACM, or a USB
// tty (ttyACM / ttyUSB). A bare UART (ttyS) answers nothing until a modem is cabled to
// it, so it is named explicitly, never taken by `auto`.
bool auto_candidate(const hal::DeviceDescription& d) {
    if (d.kind == hal::DeviceKind::Usb) return d.known_model || d.cdc_acm;
    return d.vendor_id.has_value();
}

// The transport the port hands out: the opened one, with the moment of its first
// accepted write noted (first_write_at()). Everything else is passed through.
class WriteStampedTransport final : public hal::Transport {
public:
    explicit WriteStampedTransport(std::unique_ptr<hal::Transport> inner) : inner_(std::move(inner)) {}

    Status open() override { return inner_->open(); }
    void close() override { inner_->close(); }
    bool is_open() const override { return inner_->is_open(); }
    Result<std::size_t> read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) override {
        return inner_->read(buf, timeout);
    }
    Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override {
        auto n = inner_->write(data, timeout);
        if (n.ok() && *n > 0 && !first_write_) first_write_ = std::chrono::steady_clock::now();
        return n;
    }
    Status flush(hal::FlushQueue which) override { return inner_->flush(which); }
    Status drain(std::chrono::milliseconds timeout) override { return inner_->drain(timeout); }
    Status set_dtr(bool on) override { return inner_->set_dtr(on); }
    Status set_rts(bool on) override { return inner_->set_rts(on); }
    Status configure(const hal::LineSettings& settings) override { return inner_->configure(settings); }
    Status set_flow_control(hal::FlowControl flow) override { return inner_->set_flow_control(flow); }
    int poll_fd() const override { return inner_->poll_fd(); }
    std::string describe() const override { return inner_->describe(); }

    const std::optional<std::chrono::steady_clock::time_point>& first_write() const { return first_write_; }

private:
    std::unique_ptr<hal::Transport> inner_;
    std::optional<std::chrono::steady_clock::time_point> first_write_;
};

}  // namespace

// The retry ladder's step for a Class 2.0 modem (T.32 §8.5.1.1 +FIS/+FCC): the bit
// rate ceiling (BR 5 = 14400 V.17, 3 = 9600 V.29, 1 = 4800 V.27ter) and ECM (EC); the
// data format follows ECM (MMR needs it, T.30 Annex A).
void apply_tuning(const job::Tuning& t, bool ecm_allowed, t30::Class2Options& o) {
    switch (t.max_modulation) {
    case job::Modulation::V17: o.max_bit_rate_code = 5; break;
    case job::Modulation::V29: o.max_bit_rate_code = 3; break;
    case job::Modulation::V27ter: o.max_bit_rate_code = 1; break;
    }
    o.ecm = ecm_allowed && t.ecm;
    o.data_format = o.ecm ? 3 : 1;
}

// The same for Class 1: the host's T.30 offers these modulations and codings.
void apply_tuning(const job::Tuning& t, bool ecm_allowed, t30::SessionOptions& o) {
    o.ecm = ecm_allowed && t.ecm;
    o.allow_v17 = t.max_modulation == job::Modulation::V17;
    o.allow_v29 = t.max_modulation != job::Modulation::V27ter;
    o.allow_v27ter = true;
    // T.6 needs ECM (T.30 Annex A): without it the session offers MH and MR only.
    if (!o.ecm) o.allow_mmr = false;
}


Result<DeviceSpec> parse_device_spec(std::string_view text) {
    DeviceSpec s;
    s.text = std::string(text);
    if (text.empty()) return bad_spec(text, "is empty: name a device path, usb:VID:PID, usb:BUS-PORT or auto");
    if (text == "auto") {
        s.kind = DeviceSpec::Kind::Auto;
        return s;
    }
    if (text.rfind("usb:", 0) != 0) {
        if (text.front() != '/') return bad_spec(text, "is not an absolute path, usb:VID:PID, usb:BUS-PORT or auto");
        s.kind = DeviceSpec::Kind::Path;
        s.path = std::string(text);
        return s;
    }
    s.kind = DeviceSpec::Kind::Usb;
    auto parts = split(text.substr(4), ':');
    std::size_t i = 0;
    if (parts[0].find('-') != std::string_view::npos) {
        auto pp = hal::parse_usb_port_path(parts[0]);
        if (!pp) return bad_spec(text, "has a bus-port path that is not BUS-PORT[.PORT...] (e.g. usb:1-1.4)");
        s.bus = pp->bus;
        s.port_path = pp->ports;
        i = 1;
    }
    if (i < parts.size()) {
        if (parts.size() - i < 2) return bad_spec(text, "needs a VID:PID of four hex digits each (e.g. usb:0baf:0303)");
        s.vendor_id = hex16(parts[i]);
        s.product_id = hex16(parts[i + 1]);
        if (!s.vendor_id || !s.product_id) return bad_spec(text, "needs a VID:PID of four hex digits each (e.g. usb:0baf:0303)");
        if (parts.size() - i == 3) s.serial = std::string(parts[i + 2]);
        if (parts.size() - i > 3) return bad_spec(text, "has more than VID:PID:SERIAL after the port");
        if (parts.size() - i == 3 && s.serial.empty()) return bad_spec(text, "has an empty serial number");
    }
    if (!s.bus && !s.vendor_id) return bad_spec(text, "needs VID:PID or BUS-PORT after usb:");
    return s;
}

bool matches(const DeviceSpec& spec, const hal::DeviceDescription& d) {
    switch (spec.kind) {
    case DeviceSpec::Kind::Auto: return auto_candidate(d);
    case DeviceSpec::Kind::Path: return same_path(spec.path, d.device_node) || same_path(spec.path, d.stable_id);
    case DeviceSpec::Kind::Usb:
        if (spec.bus && (d.bus != *spec.bus || d.port_path != spec.port_path)) return false;
        if (spec.vendor_id && (d.vendor_id != spec.vendor_id || d.product_id != spec.product_id)) return false;
        if (!spec.serial.empty() && d.serial != spec.serial) return false;
        // A USB modem is driven through libusb (UsbTransport), not through the tty the
        // kernel's cdc_acm may also make for it.
        return d.kind == hal::DeviceKind::Usb;
    }
    return false;
}

std::string_view to_string(ModemClass c) { return c == ModemClass::Class1 ? "1" : "2.0"; }

Result<std::optional<ModemClass>> parse_class_preference(std::string_view text) {
    if (text == "auto") return std::optional<ModemClass>{};
    if (text == "1") return std::optional<ModemClass>{ModemClass::Class1};
    if (text == "2.0" || text == "2") return std::optional<ModemClass>{ModemClass::Class2};
    return fail(Errc::InvalidInput, "must be \"auto\", \"1\" or \"2.0\"");
}

Status check_profile_name(const std::string& id) {
    if (id == "auto") return {};
    for (const auto& p : driver::builtin_profiles())
        if (p.id == id) return {};
    std::string known;
    for (const auto& p : driver::builtin_profiles()) known += (known.empty() ? "" : ", ") + p.id;
    return fail(Errc::InvalidInput, "must be \"auto\" or one of " + known);
}

PortEnvironment default_port_environment() {
    PortEnvironment e;
    e.known = driver::known_usb_models(driver::builtin_profiles());
    return e;
}

ModemPort::ModemPort(ModemConfig config, PortEnvironment environment)
    : config_(std::move(config)), env_(std::move(environment)) {
    // The configuration was validated when it was read (config.cpp): these parse.
    if (auto s = parse_device_spec(config_.device)) spec_ = std::move(*s);
    else spec_.path = config_.device;
    if (auto c = parse_class_preference(config_.modem_class)) class_preference_ = *c;
}

Result<hal::DeviceDescription> ModemPort::locate(std::span<const std::string> claimed) const {
    for (const auto& d : hal::list_candidates(env_.roots, env_.known))
        if (matches(spec_, d) && !(spec_.kind == DeviceSpec::Kind::Auto && is_claimed(d, claimed))) return d;
    if (spec_.kind != DeviceSpec::Kind::Path) return fail(Errc::NotFound, spec_.text + ": no attached device answers to it");
    // A configured path discovery does not list (a pseudo-terminal, a serial adapter it
    // cannot see behind): the administrator named a tty, so it is opened as one.
    std::error_code ec;
    if (!std::filesystem::exists(spec_.path, ec)) return fail(Errc::NotFound, spec_.path + ": no such device (not attached?)");
    hal::DeviceDescription d;
    d.kind = hal::DeviceKind::Serial;
    d.stable_id = spec_.path;
    d.device_node = spec_.path;
    return d;
}

Status ModemPort::open(std::span<const std::string> claimed) {
    close();
    auto d = locate(claimed);
    if (!d) return fail(d.take_error());
    hal::LineSettings line{config_.speed, config_.flow};
    auto t = hal::open_candidate(*d, line, env_.known);
    if (!t) return fail(t.take_error());
    // Another device under the same name (re-plugged elsewhere, or `auto` found another
    // modem): what it is must be asked again.
    if (attached_ && attached_->stable_id != d->stable_id) forget_identity();
    attached_ = std::move(*d);
    transport_ = std::make_unique<WriteStampedTransport>(std::move(*t));
    return {};
}

std::optional<std::chrono::steady_clock::time_point> ModemPort::first_write_at() const {
    if (!transport_) return std::nullopt;
    // transport_ is only ever set by open(), to a WriteStampedTransport.
    return static_cast<const WriteStampedTransport&>(*transport_).first_write();
}

void ModemPort::close() {
    if (transport_) transport_->close();  // HUPCL drops DTR: the modem hangs up
    transport_.reset();
}

void ModemPort::forget_identity() {
    profile_.reset();
    classes_.clear();
}

Status ModemPort::identify() {
    if (profile_) return {};
    if (config_.profile != "auto" && class_preference_) {  // nothing to ask the modem
        profile_ = driver::generic_profile();
        for (const auto& p : driver::builtin_profiles())
            if (p.id == config_.profile) profile_ = p;
        class_ = *class_preference_;
        return {};
    }
    auto r = probe();
    if (!r) return fail(r.take_error());
    return profile_ ? Status{} : settle(*r);
}

Result<driver::ProbeResult> ModemPort::probe() {
    if (!transport_) return fail(Errc::InvalidArgument, "modem " + spec_.text + ": probe() needs an open port");
    forget_identity();
    driver::ProbeOptions po;
    po.reset_timeout = std::chrono::duration_cast<Samples>(std::chrono::seconds(20));
    if (attached_ && attached_->vendor_id && attached_->product_id)
        po.usb = driver::UsbId{*attached_->vendor_id, *attached_->product_id};
    auto r = driver::run_probe(*transport_, po);
    if (!r) return fail(r.take_error());  // the transport failed (unplugged)
    if (auto s = settle(*r); !s) FAX_LOG(Warn, kLog, s.error().message);
    return r;
}

Status ModemPort::settle(const driver::ProbeResult& probe) {
    const std::string name = attached_ ? attached_->stable_id : spec_.text;
    if (!probe.status.ok()) {
        FAX_LOG(Warn, kLog, name + ": the probe got no answer (" + probe.status.error().to_string() +
                                "); using the generic profile and Class 1");
        profile_ = driver::generic_profile();
        class_ = class_preference_.value_or(ModemClass::Class1);
        return {};
    }
    classes_ = probe.classes;
    std::optional<ModemClass> chosen = class_preference_;
    if (chosen) {
        if (!(*chosen == ModemClass::Class1 ? probe.class1 : probe.class2_0)) {
            std::string listed;
            for (const auto& c : classes_) listed += (listed.empty() ? "" : ",") + c;
            return fail(Errc::Unsupported, name + ": configured for Class " + std::string(to_string(*chosen)) +
                                               " but the modem does not offer it (+FCLASS=? lists " +
                                               (listed.empty() ? std::string("nothing") : listed) + ")");
        }
    } else if (probe.class1) {
        chosen = ModemClass::Class1;  // the host runs T.30: every call's detail is ours
    } else if (probe.class2_0) {
        chosen = ModemClass::Class2;
    } else {
        return fail(Errc::Unsupported, name + ": the modem offers neither Class 1 nor Class 2.0 fax");
    }
    const std::string& want = config_.profile != "auto" ? config_.profile : probe.profile_id;
    profile_ = driver::generic_profile();
    for (const auto& p : driver::builtin_profiles())
        if (p.id == want) profile_ = p;
    class_ = *chosen;
    FAX_LOG(Info, kLog, name + ": profile " + profile_->id + " (" + profile_->name + "), Class " +
                            std::string(to_string(class_)));
    return {};
}

Result<std::unique_ptr<t30::CallSession>> ModemPort::make_session(SendRole role) const {
    if (!profile_) return fail(Errc::InvalidArgument, "modem " + spec_.text + ": not identified");
    return make_session(class_, *profile_, config_.ecm, std::move(role));
}

Result<std::unique_ptr<t30::CallSession>> ModemPort::make_session(ReceiveRole role) const {
    if (!profile_) return fail(Errc::InvalidArgument, "modem " + spec_.text + ": not identified");
    return make_session(class_, *profile_, config_.ecm, std::move(role));
}

Result<std::unique_ptr<t30::CallSession>> ModemPort::make_session(ModemClass c, const driver::ModemProfile& profile,
                                                                  bool ecm, SendRole role) {
    if (c == ModemClass::Class2) {
        t30::Class2Options o;
        o.local_ident = role.local_ident;
        o.quirks = profile.quirks;
        apply_tuning(role.tuning, ecm, o);
        // +FIS DF (T.32 Table 21): 0 MH, 1 MR, 3 MMR (only with ECM).
        if (role.coding == PageCoding::MH) o.data_format = 0;
        else if (role.coding == PageCoding::MR || (role.coding == PageCoding::MMR && !o.ecm)) o.data_format = 1;
        auto s = t30::Class2Session::transmit(std::move(role.release), o);
        if (!s) return fail(s.take_error());
        return std::unique_ptr<t30::CallSession>(std::move(*s));
    }
    t30::SessionOptions o;
    o.local_ident = role.local_ident;
    o.quirks = profile.quirks;
    apply_tuning(role.tuning, ecm, o);
    if (role.coding == PageCoding::MH) o.allow_mr = false;
    if (role.coding == PageCoding::MH || role.coding == PageCoding::MR) o.allow_mmr = false;
    auto s = t30::FaxSession::transmit(std::move(role.release), o);
    if (!s) return fail(s.take_error());
    return std::unique_ptr<t30::CallSession>(std::move(*s));
}

Result<std::unique_ptr<t30::CallSession>> ModemPort::make_session(ModemClass c, const driver::ModemProfile& profile,
                                                                  bool ecm, ReceiveRole role) {
    if (c == ModemClass::Class2) {
        t30::Class2Options o;
        o.local_ident = role.local_ident;
        o.quirks = profile.quirks;
        o.ring_timeout = role.ring_timeout;
        o.ecm = ecm;
        o.data_format = ecm ? 3 : 1;
        auto s = t30::Class2Session::receive(role.rx_path.string(), o);
        if (!s) return fail(s.take_error());
        return std::unique_ptr<t30::CallSession>(std::move(*s));
    }
    t30::SessionOptions o;
    o.local_ident = role.local_ident;
    o.quirks = profile.quirks;
    o.ring_timeout = role.ring_timeout;
    o.ecm = ecm;
    auto s = t30::FaxSession::receive(role.rx_path.string(), o);
    if (!s) return fail(s.take_error());
    return std::unique_ptr<t30::CallSession>(std::move(*s));
}

}  // namespace fax::station
