#include "daemon/archive/mrt_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "rib/mrt.hpp"

namespace bgpemu::daemon {

namespace {

// How often at most the archive's trouble (drops, write errors) is logged.
constexpr std::chrono::seconds trouble_log_interval{10};

std::uint32_t seconds_now(std::chrono::system_clock::time_point when) {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count());
}

// BGP4MP's states are RFC 4271's, counted from 1 (RFC 6396 §4.4.1).
std::uint16_t mrt_state(bgp::FsmState state) { return static_cast<std::uint16_t>(static_cast<int>(state) + 1); }

rib::Bgp4mpPeer peer_of(const bgp::Session& session, std::uint32_t local_as) {
    const auto& config = session.config();
    const auto peer_as = session.negotiated().peer_as != 0 ? session.negotiated().peer_as : config.expectation.remote_as;
    return {peer_as, local_as, config.remote.address, session.local_endpoint().value_or(config.local_address)};
}

bool write_all(int fd, const bgp::Bytes& data, std::string& error) {
    const auto* bytes = reinterpret_cast<const char*>(data.data());
    for (std::size_t done = 0; done < data.size();) {
        const auto n = ::write(fd, bytes + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::strerror(n < 0 ? errno : ENOSPC);
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

MrtArchive::MrtArchive(boost::asio::io_context& io, MrtSettings settings, std::vector<std::unique_ptr<bgp::Speaker>>& speakers,
                       std::shared_ptr<spdlog::logger> log)
    : io_(io), settings_(std::move(settings)), speakers_(speakers), log_(std::move(log)), table_timer_(io) {
    std::error_code ignored;
    std::filesystem::create_directories(settings_.dir, ignored);
    writer_ = std::thread([this] { write_loop(); });
}

MrtArchive::~MrtArchive() {
    stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) writer_.join();
}

std::string MrtArchive::file_name(const std::string& dir, const std::string& pattern, const std::string& node,
                                  std::chrono::system_clock::time_point when) {
    std::string expanded = pattern;
    // A speaker's name becomes part of a file name: nothing in it may make a folder.
    std::string safe = node;
    std::replace(safe.begin(), safe.end(), '/', '_');
    for (std::size_t at; (at = expanded.find("{node}")) != std::string::npos;) expanded.replace(at, 6, safe);
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    std::string name(expanded.size() + 256, '\0');
    const auto length = std::strftime(name.data(), name.size(), expanded.c_str(), &utc);
    name.resize(length == 0 ? 0 : length);
    if (name.empty()) name = expanded;
    const std::filesystem::path path(name);
    return path.is_absolute() ? path.string() : (std::filesystem::path(dir) / path).string();
}

bool MrtArchive::chosen(const std::string& node) const {
    return settings_.speakers.empty() || std::find(settings_.speakers.begin(), settings_.speakers.end(), node) != settings_.speakers.end();
}

void MrtArchive::attach() {
    tapped_.clear();
    if (settings_.table_interval.count() > 0) schedule_tables();
}

void MrtArchive::stop() {
    table_timer_.cancel();
    tapped_.clear();
    for (auto& [node, file] : update_files_) enqueue({file.path, {}, Chunk::Mode::close});
    update_files_.clear();
}

MrtCounters MrtArchive::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

void MrtArchive::schedule_tables() {
    table_timer_.expires_after(settings_.table_interval);
    table_timer_.async_wait([this](boost::system::error_code error) {
        if (error) return;
        dump_tables();
        schedule_tables();
    });
}

void MrtArchive::dump_tables() {
    const auto now = std::chrono::system_clock::now();
    for (const auto& speaker : speakers_) {
        const auto& config = speaker->config();
        if (!chosen(config.name)) continue;
        Chunk chunk{file_name(settings_.dir, settings_.table_file, config.name, now), {}, Chunk::Mode::replace};
        rib::write_table_dump_v2(speaker->loc_rib(),
                                 {.timestamp = seconds_now(now), .collector_id = config.router_id, .view_name = config.name,
                                  .local_as = config.asn, .all_paths = false},
                                 chunk.data);
        enqueue(std::move(chunk));
    }
}

const MrtArchive::Tapped* MrtArchive::tapped(const bgp::Session& session) {
    if (const auto found = tapped_.find(&session); found != tapped_.end())
        return found->second.node.empty() ? nullptr : &found->second;
    // A session this archive has not seen yet (a reload added it): look its speaker up,
    // once; a session of a speaker not chosen is remembered with no node.
    const auto owner = bgp::find_session_owner(speakers_, session);
    Tapped who;
    if (owner && chosen(owner->speaker->config().name)) who = {owner->speaker->config().name, owner->speaker->config().asn};
    const auto& added = tapped_.emplace(&session, std::move(who)).first->second;
    return added.node.empty() ? nullptr : &added;
}

const std::string& MrtArchive::update_path(const std::string& node, std::chrono::system_clock::time_point now) {
    auto& file = update_files_[node];
    const bool due = file.path.empty() || (settings_.rotate.count() > 0 && now - file.opened >= settings_.rotate);
    if (due) {
        if (!file.path.empty()) enqueue({file.path, {}, Chunk::Mode::close});
        file.path = file_name(settings_.dir, settings_.updates_file, node, now);
        file.opened = now;
    }
    return file.path;
}

void MrtArchive::message_received(const bgp::Session& session, bgp::ByteSpan message) {
    if (settings_.updates) record_message(session, message, false);
}

void MrtArchive::message_sent(const bgp::Session& session, bgp::ByteSpan message) {
    if (settings_.updates && settings_.sent) record_message(session, message, true);
}

void MrtArchive::record_message(const bgp::Session& session, bgp::ByteSpan message, bool sent) {
    const auto* who = tapped(session);
    if (who == nullptr) return;
    const auto now = std::chrono::system_clock::now();
    Chunk chunk{update_path(who->node, now), {}, Chunk::Mode::append};
    // Path Identifiers travel where the session negotiated them, each way on its own.
    const auto& negotiated = session.negotiated();
    const auto ids = sent ? negotiated.encode_context().add_path_send : negotiated.add_path_receive;
    rib::write_bgp4mp_message(peer_of(session, who->local_as), seconds_now(now), message, chunk.data,
                              session.established() && (ids.ipv4_unicast || ids.ipv6_unicast), sent);
    enqueue(std::move(chunk));
}

void MrtArchive::state_changed(const bgp::Session& session, bgp::FsmState from, bgp::FsmState to) {
    if (!settings_.updates) return;
    const auto* who = tapped(session);
    if (who == nullptr) return;
    const auto now = std::chrono::system_clock::now();
    Chunk chunk{update_path(who->node, now), {}, Chunk::Mode::append};
    rib::write_bgp4mp_state_change(peer_of(session, who->local_as), seconds_now(now), mrt_state(from), mrt_state(to), chunk.data);
    enqueue(std::move(chunk));
}

void MrtArchive::enqueue(Chunk chunk) {
    {
        std::lock_guard lock(mutex_);
        if (chunk.mode != Chunk::Mode::close) {
            if (queued_bytes_ + chunk.data.size() > settings_.queue_bytes) {
                ++counters_.dropped_records;
                log_trouble("the writer is behind: records dropped (mrt.queue_bytes " + std::to_string(settings_.queue_bytes) + ")");
                return;
            }
            ++counters_.records;
            queued_bytes_ += chunk.data.size();
        }
        queue_.push_back(std::move(chunk));
    }
    wake_.notify_one();
}

// Called with mutex_ held.
void MrtArchive::log_trouble(const std::string& what) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_trouble_logged_ < trouble_log_interval) return;
    last_trouble_logged_ = now;
    log_->warn("mrt: {} ({} dropped, {} write errors so far)", what, counters_.dropped_records, counters_.write_errors);
}

void MrtArchive::write_loop() {
    std::map<std::string, int> open_files;
    for (;;) {
        Chunk chunk;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) break;  // stopping, and everything written
            chunk = std::move(queue_.front());
            queue_.pop_front();
            queued_bytes_ -= chunk.data.size();
        }
        std::string error;
        if (chunk.mode == Chunk::Mode::close) {
            if (const auto found = open_files.find(chunk.path); found != open_files.end()) {
                ::close(found->second);
                open_files.erase(found);
            }
            continue;
        }
        if (chunk.mode == Chunk::Mode::replace) {
            // Written beside and renamed over, so that a reader never sees half a table.
            const auto temporary = chunk.path + ".part";
            const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            bool ok = fd >= 0 && write_all(fd, chunk.data, error);
            if (fd < 0) error = std::strerror(errno);
            if (fd >= 0) ::close(fd);
            if (ok && std::rename(temporary.c_str(), chunk.path.c_str()) != 0) {
                ok = false;
                error = std::strerror(errno);
            }
            std::lock_guard lock(mutex_);
            if (ok) counters_.bytes_written += chunk.data.size();
            else {
                ++counters_.write_errors;
                log_trouble("cannot write " + chunk.path + ": " + error);
            }
            continue;
        }
        auto found = open_files.find(chunk.path);
        if (found == open_files.end()) {
            const int fd = ::open(chunk.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (fd >= 0) found = open_files.emplace(chunk.path, fd).first;
            else error = std::strerror(errno);
        }
        const bool ok = found != open_files.end() && write_all(found->second, chunk.data, error);
        std::lock_guard lock(mutex_);
        if (ok) counters_.bytes_written += chunk.data.size();
        else {
            ++counters_.write_errors;
            log_trouble("cannot write " + chunk.path + ": " + error);
        }
    }
    for (const auto& [path, fd] : open_files) ::close(fd);
}

}  // namespace bgpemu::daemon
