// bgpemud: runs the BGP speakers of a topology file on one io_context.
#include <algorithm>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <filesystem>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bgp/speaker/speaker.hpp"
#include "daemon/admin/admin_server.hpp"
#include "daemon/bmp/bmp_exporter.hpp"
#include "daemon/config/config.hpp"
#include "daemon/ctl/design_diff.hpp"
#include "daemon/ctl/scenario.hpp"
#include "daemon/design/topology_file.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/privileges.hpp"
#include "daemon/version.hpp"

namespace po = boost::program_options;
namespace asio = boost::asio;
using namespace bgpemu;

namespace {

struct Options {
    std::string config;
    std::string log_level = "info";
    std::string log_file;
    std::string socket;
    std::string user;  // USER[:GROUP], overrides daemon.user / daemon.group
    std::string site;  // run only this site's speakers
    bool check = false;
    bool expand = false;
    std::string frr_config;   // print the FRR configuration of this CE of the design
    std::string bird_config;  // the same for BIRD 2
    std::string verify;       // run this scenario file against the topology, then exit
    std::string junit;        // --verify's results as JUnit XML
    std::string diff;         // print what changes with this topology file, then exit
    bool fail_on_change = false;
    std::string http;             // ADDRESS:PORT: the HTTP server, over daemon.http.listen
    std::string http_token_file;  // allows changes over HTTP with this file's token
};

// Parses the command line; returns the exit code when the program should stop here.
std::optional<int> parse_options(int argc, char** argv, Options& options) {
    po::options_description description("bgpemud options");
    description.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit")
        ("config,c", po::value(&options.config)->value_name("FILE"), "topology file (YAML)")
        ("check", po::bool_switch(&options.check), "validate the config file and exit: 0 if valid, 1 if not")
        ("expand", po::bool_switch(&options.expand),
         "print the router-level file a design compiles to and exit (1 and the errors if it does not)")
        ("frr-config", po::value(&options.frr_config)->value_name("CE"),
         "print the FRR bgpd configuration for a real router playing the design's CE and exit")
        ("bird-config", po::value(&options.bird_config)->value_name("CE"),
         "print the BIRD 2 configuration for a real router playing the design's CE and exit")
        ("verify", po::value(&options.verify)->value_name("SCENARIO"),
         "start the topology, run the scenario file's steps and expectations, exit 0 if all pass, 1 if not "
         "(2: errors in the file)")
        ("junit", po::value(&options.junit)->value_name("FILE"), "with --verify: write the results as JUnit XML")
        ("diff", po::value(&options.diff)->value_name("FILE"),
         "start the topology, print what changes when it runs FILE instead (matrix cells, best paths, asymmetric "
         "pairs, sessions), exit")
        ("fail-on-change", po::bool_switch(&options.fail_on_change), "with --diff: exit 1 when anything changed")
        ("http", po::value(&options.http)->value_name("ADDRESS:PORT"),
         "serve the HTTP API, the web view and /metrics there (over daemon.http.listen; loopback unless "
         "daemon.http.allow_remote)")
        ("http-token-file", po::value(&options.http_token_file)->value_name("FILE"),
         "allow changes over HTTP with the bearer token in FILE (over daemon.http.allow_changes and token_file)")
        ("log-level", po::value(&options.log_level)->value_name("LEVEL"),
         "trace, debug, info, warning, error or off (default info)")
        ("log-file", po::value(&options.log_file)->value_name("FILE"), "log to FILE instead of standard error")
        ("socket,s", po::value(&options.socket)->value_name("PATH"),
         "admin socket (default: $BGPEMU_SOCKET, /run/bgpemu/bgpemud.sock as root, else "
         "$XDG_RUNTIME_DIR/bgpemud.sock or /tmp/bgpemud-UID.sock)")
        ("site", po::value(&options.site)->value_name("NAME"),
         "run only the speakers whose `site` is NAME; the others are external routers run by their own daemons")
        ("user,u", po::value(&options.user)->value_name("USER[:GROUP]"),
         "started as root: become USER after binding, keeping only CAP_NET_BIND_SERVICE (overrides daemon.user)");
    po::positional_options_description positional;
    positional.add("config", 1);
    try {
        po::variables_map values;
        po::store(po::command_line_parser(argc, argv).options(description).positional(positional).run(), values);
        po::notify(values);
        if (values.count("help")) {
            std::cout << "Usage: bgpemud [--config] FILE [options]\n\n" << description << "\n";
            return 0;
        }
        if (values.count("version")) {
            std::cout << "bgpemud " << bgpemu::version << "\n";
            return 0;
        }
    } catch (const po::error& e) {
        std::cerr << "bgpemud: " << e.what() << " (see --help)\n";
        return 2;
    }
    if (options.config.empty()) {
        std::cerr << "bgpemud: no config file given (--config FILE; see --help)\n";
        return 2;
    }
    const auto level = spdlog::level::from_str(options.log_level == "warn" ? "warning" : options.log_level);
    if (level == spdlog::level::off && options.log_level != "off") {
        std::cerr << "bgpemud: unknown --log-level '" << options.log_level
                  << "' (trace, debug, info, warning, error, off)\n";
        return 2;
    }
    spdlog::set_level(level);
    return std::nullopt;
}

// A million-route table faults in about a gigabyte of fresh pages one 4 KiB page at a
// time; with transparent huge pages that is 512 times fewer faults, and propagation
// takes about half the time (bench/README.md). glibc's malloc asks the kernel for huge
// pages (madvise) only when the tunable glibc.malloc.hugetlb=1 is in the environment at
// start, so the daemon re-executes itself once with it. BGPEMU_HUGEPAGES=0 turns this
// off; an exec that fails leaves the daemon running as it is.
void use_transparent_huge_pages(char** argv) {
    const char* opt_out = std::getenv("BGPEMU_HUGEPAGES");
    if (opt_out != nullptr && std::string_view(opt_out) == "0") return;
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables != nullptr && std::string_view(tunables).find("glibc.malloc.hugetlb") != std::string_view::npos) return;
    const std::string value =
        tunables != nullptr && *tunables != '\0' ? std::string(tunables) + ":glibc.malloc.hugetlb=1" : "glibc.malloc.hugetlb=1";
    if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
    ::execv("/proc/self/exe", argv);
}

// "127.0.0.1:8179", "[::1]:8179".
std::optional<bgp::TransportEndpoint> parse_endpoint(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const auto address = bgp::IpAddress::parse(host);
    unsigned port = 0;
    const auto digits = text.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (!address || ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) return std::nullopt;
    return bgp::TransportEndpoint{*address, static_cast<std::uint16_t>(port)};
}

// --http and --http-token-file over the file's daemon.http.
void apply_http_options(const Options& options, daemon::LoadedConfig& loaded) {
    auto& http = loaded.config.daemon.http;
    if (!options.http.empty()) {
        const auto endpoint = parse_endpoint(options.http);
        if (!endpoint)
            loaded.errors.push_back({"--http", 0, 0, "'" + options.http + "' is not ADDRESS:PORT (e.g. 127.0.0.1:8179)"});
        else if (!endpoint->address.is_loopback() && !http.allow_remote)
            loaded.errors.push_back({"--http", 0, 0, options.http + " is not a loopback address: the API has no TLS "
                                                      "(daemon.http.allow_remote serves other hosts anyway)"});
        else
            http.listen = endpoint;
    }
    if (!options.http_token_file.empty()) {
        if (auto error = daemon::read_http_token(options.http_token_file, http))
            loaded.errors.push_back({"--http-token-file", 0, 0, *error});
        else
            http.allow_changes = true;
    }
}

// The file, restricted to one site's speakers with --site, with the command line's
// HTTP settings over its own.
daemon::LoadedConfig load(const Options& options) {
    auto loaded = daemon::design::load_topology_file(options.config);
    if (loaded.ok() && !options.site.empty())
        if (auto error = daemon::keep_site(loaded.config, options.site))
            loaded.errors.push_back({options.config, 0, 0, "--site " + options.site + ": " + *error});
    if (loaded.ok()) apply_http_options(options, loaded);
    return loaded;
}

// Open files are what bounds a topology in one daemon: a listener per speaker and a
// socket per session end (two for a session between two of its speakers, one a moment
// longer while a connection collision is resolved), beside a few of the daemon's own.
// The soft limit goes up to the hard one; a topology that cannot fit is refused here,
// with the numbers, rather than failing connection by connection later.
std::optional<std::string> fit_open_files(spdlog::logger& log, const daemon::DaemonConfig& config) {
    constexpr std::size_t own_files = 64;  // logs, the admin socket and its clients, HTTP, MRT files
    std::size_t session_ends = 0;
    for (const auto& speaker : config.speakers) session_ends += speaker.neighbors.size();
    const std::size_t needed = config.speakers.size() + session_ends + own_files;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    const auto available = static_cast<std::size_t>(limit.rlim_cur);
    if (needed > available)
        return "this topology needs about " + std::to_string(needed) + " open files (" + std::to_string(config.speakers.size()) +
               " speakers' listeners, " + std::to_string(session_ends) + " session ends, " + std::to_string(own_files) +
               " of the daemon's own) and the limit is " + std::to_string(available) +
               " (ulimit -n; the hard limit cannot be raised by the daemon): split it over a daemon per site (--site) "
               "or raise the hard limit";
    log.info("open files: limit {}, this topology uses about {}: room for about {} more session ends", available, needed,
             available - needed);
    return std::nullopt;
}

daemon::AdminLimits admin_limits(const daemon::DaemonSettings& settings) {
    return {settings.admin_clients, settings.admin_request_bytes, settings.admin_idle_timeout};
}

std::string plural(std::size_t count, const char* one, const char* many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

// What an operator wants from a start, in two lines: what runs and where to reach it,
// and once for all speakers what the Azure role presets turn off (the speakers log the
// details at debug; sessions log as they come up).
void log_start(spdlog::logger& log, const daemon::DaemonConfig& config, const std::string& file,
               const std::filesystem::path& socket) {
    const auto& speakers = config.speakers;
    const auto endpoint = [](const bgp::TransportEndpoint& e) { return e.address.to_string() + ":" + std::to_string(e.port); };
    std::set<std::string> listen;
    for (const auto& speaker : speakers) listen.insert(endpoint(speaker.listen));
    // A session between two of our speakers is configured at both ends: count it once.
    std::set<std::pair<std::string, std::string>> local;
    std::size_t outside = 0;
    for (const auto& speaker : speakers) {
        for (const auto& neighbor : speaker.neighbors) {
            const auto remote = endpoint(neighbor.remote);
            if (!listen.count(remote)) {
                ++outside;
                continue;
            }
            const auto here = endpoint(speaker.listen);
            local.insert(here < remote ? std::pair{here, remote} : std::pair{remote, here});
        }
    }
    log.info("bgpemud {}: {} from {}, {} ({} between them, {} to outside routers), listening on {}; admin socket {}",
             bgpemu::version, plural(speakers.size(), "speaker", "speakers"), file,
             plural(local.size() + outside, "session", "sessions"), local.size(), outside,
             plural(listen.size(), "address", "addresses"), socket.string());
    std::size_t by_role = 0;
    std::size_t by_file = 0;
    for (const auto& speaker : speakers) {
        if (speaker.ebgp_requires_policy) continue;
        const auto* node = config.topology.find_node(speaker.name);
        if (node && node->role != dataplane::Role::none) ++by_role;
        else ++by_file;
    }
    if (by_role + by_file == 0) return;
    const std::string presets = "their Azure role presets (neither Azure nor Cisco IOS applies it)";
    std::string why = by_file == 0 ? "by " + presets
                      : by_role == 0 ? std::string("by the file")
                                     : std::to_string(by_role) + " by " + presets + ", " + std::to_string(by_file) +
                                           " by the file";
    log.info("RFC 8212 (ebgp_requires_policy) is off on {} of {}, {}: eBGP neighbours without a policy accept and "
             "send every route", by_role + by_file, plural(speakers.size(), "speaker", "speakers"), why);
}

}  // namespace

int main(int argc, char** argv) {
    use_transparent_huge_pages(argv);
    Options options;
    if (auto exit_code = parse_options(argc, argv, options)) return *exit_code;

    if (options.expand || !options.frr_config.empty() || !options.bird_config.empty()) {
        const auto printed = options.expand ? daemon::design::expand_topology_file(options.config)
                             : options.frr_config.empty()
                                 ? daemon::design::router_config_file(options.config, options.bird_config, true)
                                 : daemon::design::router_config_file(options.config, options.frr_config, false);
        for (const auto& error : printed.errors) std::cerr << error.to_string() << "\n";
        if (!printed.errors.empty()) {
            std::cerr << "bgpemud: " << printed.errors.size() << " error(s) in " << options.config << "\n";
            return 1;
        }
        std::cout << printed.text;
        return 0;
    }
    auto loaded = load(options);
    for (const auto& error : loaded.errors) std::cerr << error.to_string() << "\n";
    if (!loaded.ok()) {
        std::cerr << "bgpemud: " << loaded.errors.size() << " error(s) in " << options.config << "\n";
        return 1;
    }
    if (options.check) {
        const auto& topology = loaded.config.topology;
        std::cout << options.config << ": ok, " << loaded.config.speakers.size() << " speaker(s), "
                  << topology.nodes.size() - loaded.config.speakers.size() << " router(s) and host(s), "
                  << topology.vnets.size() << " VNet(s), " << topology.links.size() << " link(s)\n";
        return 0;
    }

    std::vector<spdlog::sink_ptr> sinks;
    try {
        if (options.log_file.empty())
            sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
        else
            sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.log_file));
    } catch (const spdlog::spdlog_ex& e) {
        std::cerr << "bgpemud: cannot open log file: " << e.what() << "\n";
        return 1;
    }
    auto make_logger = [&](const std::string& name) {
        auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
        logger->set_level(spdlog::get_level());
        return logger;
    };
    auto log = make_logger("bgpemud");

    if (auto error = fit_open_files(*log, loaded.config)) {
        log->error("{}", *error);
        return 1;
    }

    asio::io_context io(1);
    std::vector<std::unique_ptr<bgp::Speaker>> speakers;
    for (const auto& config : loaded.config.speakers)
        speakers.push_back(std::make_unique<bgp::Speaker>(io, config, make_logger(config.name)));
    // Every listener is bound before any session connects, so speakers of one daemon
    // find each other at the first attempt.
    for (auto& speaker : speakers) {
        if (auto error = speaker->listen()) {
            log->error("{}", *error);
            return 1;
        }
    }
    daemon::Emulation emulation(speakers, loaded.config.topology);
    daemon::AdminCommands commands(speakers, options.config);
    commands.set_emulation(&emulation);
    daemon::AdminServer admin(io, commands, admin_limits(loaded.config.daemon));
    const auto socket_path = options.socket.empty() ? daemon::default_admin_socket_path()
                                                    : std::filesystem::path(options.socket);
    if (auto error = admin.listen(socket_path)) {
        log->error("admin socket: {}", *error);
        return 1;
    }
    std::optional<daemon::http::HttpServer> http;
    if (const auto& settings = loaded.config.daemon.http; settings.listen) {
        http.emplace(io, commands, emulation, speakers, settings);
        if (auto error = http->listen()) {
            log->error("http: {}", *error);
            return 1;
        }
    }
    // Everything that may need root is bound; what follows runs as daemon.user.
    auto user = loaded.config.daemon.user;
    auto group = loaded.config.daemon.group;
    if (!options.user.empty()) {
        const auto colon = options.user.find(':');
        user = options.user.substr(0, colon);
        group = colon == std::string::npos ? std::string() : options.user.substr(colon + 1);
    }
    if (!user.empty()) {
        daemon::DroppedPrivileges dropped;
        if (auto error = daemon::drop_privileges(user, group, admin.path(), dropped)) {
            log->error("dropping privileges: {}", *error);
            return 1;
        }
        log->info("running as user {} (uid {}, gid {}), keeping only CAP_NET_BIND_SERVICE", user, dropped.uid,
                  dropped.gid);
    } else if (::geteuid() == 0) {
        log->warn("running as root: set daemon.user (or --user) to drop privileges after binding");
    }
    // What watches the sessions' messages: the MRT archive's update files and the BMP
    // stations, on every speaker's sessions before it starts, so that they see each OPEN.
    bgp::SessionTapList taps;
    std::optional<daemon::MrtArchive> mrt;
    if (loaded.config.mrt.enabled()) {
        mrt.emplace(io, loaded.config.mrt, speakers, make_logger("mrt"));
        mrt->attach();
        commands.set_mrt_archive(&*mrt);
        if (loaded.config.mrt.updates) taps.add(&*mrt);
    }
    std::optional<daemon::BmpExporter> bmp;
    if (!loaded.config.bmp.stations.empty()) {
        bmp.emplace(io, loaded.config.bmp, speakers, make_logger("bmp"));
        taps.add(&*bmp);
        commands.set_bmp_exporter(&*bmp);
    }
    const auto tap = [&](bgp::Speaker& speaker) {
        if (!taps.empty()) speaker.set_session_tap(&taps);
    };
    for (auto& speaker : speakers) tap(*speaker);
    if (bmp) bmp->attach();
    for (auto& speaker : speakers) speaker->start();
    emulation.attach();
    log_start(*log, loaded.config, options.config, socket_path);
    if (mrt)
        log->info("MRT archive in {}: {}{}", loaded.config.mrt.dir,
                  loaded.config.mrt.table_interval.count() > 0
                      ? "tables every " + std::to_string(loaded.config.mrt.table_interval.count()) + " s"
                      : std::string("no tables"),
                  loaded.config.mrt.updates ? ", every received message and state change" : "");
    if (bmp)
        for (const auto& station : loaded.config.bmp.stations)
            log->info("BMP to {}:{} for {}", station.address, station.port,
                      station.speakers.empty() ? std::string("every speaker") : std::to_string(station.speakers.size()) + " speaker(s)");
    if (http)
        log->info("web view and HTTP API on {} (changes {}; metrics at {}metrics)", http->url(),
                  loaded.config.daemon.http.allow_changes ? "allowed with the token of " + loaded.config.daemon.http.token_file
                                                          : std::string("refused"),
                  http->url());

    // The event loop's lag: how late a timer due every second runs (for /metrics).
    asio::steady_timer lag_timer(io);
    std::function<void()> measure_lag = [&] {
        lag_timer.expires_after(std::chrono::seconds(1));
        lag_timer.async_wait([&, due = std::chrono::steady_clock::now() + std::chrono::seconds(1)](boost::system::error_code ec) {
            if (ec) return;
            commands.note_loop_lag(std::max(std::chrono::steady_clock::duration::zero(), std::chrono::steady_clock::now() - due));
            measure_lag();
        });
    };
    measure_lag();

    // SIGHUP and `bgpemuctl reload`: read the file again and apply the difference; a
    // file with errors is refused and the running topology kept. Removed speakers stay
    // allocated (stopped) until exit: their sessions may still have work queued.
    std::vector<std::unique_ptr<bgp::Speaker>> retired;
    const auto reload = [&](const std::optional<std::string>& file) {
        daemon::ReloadOutcome outcome;
        auto from = options;
        if (file) from.config = *file;
        const auto next = load(from);
        if (!next.ok()) {
            for (const auto& error : next.errors) outcome.errors.push_back(error.to_string());
            for (const auto& error : outcome.errors) log->error("reload: {}", error);
            log->error("reload refused: {} error(s) in {}; the running topology is kept", outcome.errors.size(),
                       from.config);
            return outcome;
        }
        // A reload from another file makes it the daemon's file (the next SIGHUP reads it).
        options.config = from.config;
        const auto find = [&](const std::string& name) -> const bgp::SpeakerConfig* {
            for (const auto& config : next.config.speakers)
                if (config.name == name) return &config;
            return nullptr;
        };
        for (std::size_t i = speakers.size(); i-- > 0;) {
            const auto* wanted = find(speakers[i]->config().name);
            if (wanted && speakers[i]->can_reconfigure(*wanted)) continue;
            outcome.changes.push_back("speaker " + speakers[i]->config().name +
                                      (wanted ? " re-created (identity or decision options changed)" : " removed"));
            speakers[i]->stop("de-configured by a configuration reload");
            retired.push_back(std::move(speakers[i]));
            speakers.erase(speakers.begin() + static_cast<std::ptrdiff_t>(i));
        }
        for (const auto& config : next.config.speakers) {
            const auto running = std::find_if(speakers.begin(), speakers.end(),
                                              [&](const auto& s) { return s->config().name == config.name; });
            if (running != speakers.end()) {
                for (auto& change : (*running)->reconfigure(config))
                    outcome.changes.push_back(config.name + ": " + change);
                continue;
            }
            auto speaker = std::make_unique<bgp::Speaker>(io, config, make_logger(config.name));
            if (auto error = speaker->listen()) {
                // The rest of the reload stands; this speaker alone is missing.
                outcome.changes.push_back("speaker " + config.name + " NOT started: " + *error);
                log->error("reload: {}", *error);
                continue;
            }
            // Listed before it starts: the taps look a session's speaker up in the list.
            tap(*speaker);
            speakers.push_back(std::move(speaker));
            speakers.back()->start();
            outcome.changes.push_back("speaker " + config.name + " added");
        }
        emulation.replace_topology(next.config.topology);
        if (mrt) mrt->attach();  // the speakers added and re-created
        if (bmp) bmp->attach();
        if (next.config.bmp != loaded.config.bmp) outcome.changes.push_back("bmp section changed: takes effect at the next start");
        if (next.config.mrt.dir != loaded.config.mrt.dir || next.config.mrt.updates != loaded.config.mrt.updates ||
            next.config.mrt.table_interval != loaded.config.mrt.table_interval || next.config.mrt.speakers != loaded.config.mrt.speakers)
            outcome.changes.push_back("mrt section changed: takes effect at the next start");
        if (const auto limits = admin_limits(next.config.daemon); limits != admin.limits()) {
            admin.set_limits(limits);
            outcome.changes.push_back("admin socket limits: " + std::to_string(limits.clients) + " clients, " +
                                      std::to_string(limits.request_bytes) + " bytes per request, " +
                                      std::to_string(limits.idle_timeout.count()) + " s idle");
        }
        if (http) {
            if (!next.config.daemon.http.listen) outcome.changes.push_back("http section removed: the server stops at the next start");
            else for (auto& change : http->reconfigure(next.config.daemon.http)) outcome.changes.push_back(std::move(change));
        } else if (next.config.daemon.http.listen) {
            outcome.changes.push_back("http section added: the server starts at the next start");
        }
        if (next.config.daemon.user != loaded.config.daemon.user || next.config.daemon.group != loaded.config.daemon.group)
            outcome.changes.push_back("daemon.user/group changed: takes effect at the next start");
        emulation.record("reload", options.config + ": " + std::to_string(outcome.changes.size()) + " change(s)");
        for (const auto& change : outcome.changes) log->info("reload: {}", change);
        log->info("reload of {} done: {} change(s)", options.config, outcome.changes.size());
        return outcome;
    };
    commands.set_reload(reload);
    asio::signal_set hangups(io, SIGHUP);
    std::function<void()> wait_for_hangup = [&] {
        hangups.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            log->info("SIGHUP: reloading {}", options.config);
            (void)reload(std::nullopt);
            wait_for_hangup();
        });
    };
    wait_for_hangup();

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer shutdown_timer(io);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        log->info("signal {}: sending Cease to every peer and exiting", signal);
        admin.stop();
        if (http) http->stop();
        if (mrt) mrt->stop();
        if (bmp) bmp->stop();
        lag_timer.cancel();
        hangups.cancel();
        for (auto& speaker : speakers) speaker->stop("bgpemud shutting down");
        // Give the NOTIFICATIONs a moment to leave, then stop.
        shutdown_timer.expires_after(std::chrono::milliseconds(300));
        shutdown_timer.async_wait([&](boost::system::error_code) { io.stop(); });
    });
    std::signal(SIGPIPE, SIG_IGN);
    // --verify and --diff: a client of our own admin socket, as bgpemuctl would be, on a
    // thread of its own; it shares nothing with the io_context but the socket. When it is
    // done, the daemon stops as on SIGTERM.
    int exit_code = 0;
    std::thread client;
    if (!options.verify.empty() || !options.diff.empty()) {
        client = std::thread([&] {
            const auto exchange = daemon::ctl::socket_exchange(socket_path.string());
            exit_code = options.verify.empty()
                            ? daemon::ctl::run_diff(exchange, std::filesystem::absolute(options.diff).string(), options.fail_on_change, 60, std::cout)
                            : daemon::ctl::verify_scenario(options.verify, options.junit, exchange, false, std::cout, std::cerr);
            ::raise(SIGTERM);
        });
    }
    io.run();
    if (client.joinable()) client.join();
    log->info("bgpemud stopped");
    return exit_code;
}
