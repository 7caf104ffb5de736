// The MRT archive (`mrt:`): each chosen speaker's Loc-RIB as a TABLE_DUMP_V2 file every
// `table_interval`, and with `updates` every message its sessions receive (and with
// `sent` those they send) and each change of their state as BGP4MP records appended to
// a file per speaker (a new one every `rotate`), the records built by rib/mrt.
//
// A regular file's write blocks, also under Asio, and a session must never wait for a
// disk. So the records go into a bounded queue that one writer thread drains: the only
// thread of the daemon besides the io_context's, and it touches nothing but the queue
// and its files. A full queue drops records (counted, and logged at most every ten
// seconds); a failed write (a full disk, /dev/full) is counted and logged the same way.
// Neither ever delays a session.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "bgp/speaker/speaker.hpp"
#include "daemon/archive/mrt_settings.hpp"

namespace bgpemu::daemon {

struct MrtCounters {
    std::uint64_t records = 0;          // queued for writing
    std::uint64_t bytes_written = 0;
    std::uint64_t dropped_records = 0;  // the queue was full
    std::uint64_t write_errors = 0;
};

class MrtArchive final : public bgp::SessionTap {
public:
    MrtArchive(boost::asio::io_context& io, MrtSettings settings, std::vector<std::unique_ptr<bgp::Speaker>>& speakers,
               std::shared_ptr<spdlog::logger> log);
    // Writes what is queued, then stops the writer.
    ~MrtArchive() override;
    MrtArchive(const MrtArchive&) = delete;
    MrtArchive& operator=(const MrtArchive&) = delete;

    // Starts the table dumps, and forgets which session is whose; again after a reload
    // (which adds and re-creates speakers). The daemon puts the archive on the speakers'
    // session taps; it records the sessions of the chosen speakers.
    void attach();
    void stop();
    [[nodiscard]] MrtCounters counters() const;
    [[nodiscard]] const MrtSettings& settings() const noexcept { return settings_; }

    // A file name: `pattern` with {node} and strftime's conversions (UTC) at `when`, in `dir`.
    [[nodiscard]] static std::string file_name(const std::string& dir, const std::string& pattern, const std::string& node,
                                               std::chrono::system_clock::time_point when);

    // bgp::SessionTap
    void message_received(const bgp::Session& session, bgp::ByteSpan message) override;
    void message_sent(const bgp::Session& session, bgp::ByteSpan message) override;
    void state_changed(const bgp::Session& session, bgp::FsmState from, bgp::FsmState to) override;

private:
    struct Chunk {
        enum class Mode : std::uint8_t { append, replace, close };
        std::string path;
        bgp::Bytes data;
        Mode mode = Mode::append;
    };
    // A tapped session: whose it is, and where its records go.
    struct Tapped {
        std::string node;
        std::uint32_t local_as = 0;
    };
    struct UpdateFile {
        std::string path;
        std::chrono::system_clock::time_point opened;
    };

    [[nodiscard]] bool chosen(const std::string& node) const;
    void enqueue(Chunk chunk);
    void write_loop();
    void schedule_tables();
    void dump_tables();
    void record_message(const bgp::Session& session, bgp::ByteSpan message, bool sent);
    const Tapped* tapped(const bgp::Session& session);
    const std::string& update_path(const std::string& node, std::chrono::system_clock::time_point now);
    void log_trouble(const std::string& what);

    boost::asio::io_context& io_;
    MrtSettings settings_;
    std::vector<std::unique_ptr<bgp::Speaker>>& speakers_;
    std::shared_ptr<spdlog::logger> log_;
    boost::asio::steady_timer table_timer_;
    std::unordered_map<const bgp::Session*, Tapped> tapped_;
    std::map<std::string, UpdateFile> update_files_;

    // Shared with the writer thread, under mutex_.
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Chunk> queue_;
    std::size_t queued_bytes_ = 0;
    bool stopping_ = false;
    MrtCounters counters_;
    std::chrono::steady_clock::time_point last_trouble_logged_{};
    std::thread writer_;
};

}  // namespace bgpemu::daemon
