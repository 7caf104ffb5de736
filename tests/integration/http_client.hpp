// A deliberately small HTTP/1.1 client over a plain TCP socket, for tests of the
// daemon's HTTP server: it sends exactly the bytes it is given (so a test can send
// garbage, a header without its end, or too many bytes) and reads a reply by its
// Content-Length, or an event stream as it comes. Every read is bounded.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bgpemu::test {

struct HttpReply {
    unsigned status = 0;  // 0: no reply came
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
};

class HttpConnection {
public:
    // Connects to 127.0.0.1:`port`; connected() says whether it worked.
    explicit HttpConnection(unsigned short port);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }
    // False when the peer has closed or the send failed.
    bool send(const std::string& bytes);
    // One reply: status line, headers, and a body of its Content-Length (or to the close).
    [[nodiscard]] HttpReply read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Reads until `text` has arrived (true) or `timeout` passes (false); all read so far in `seen`.
    bool read_until(const std::string& text, std::chrono::milliseconds timeout);
    // Whether the server closes the connection within `timeout`.
    [[nodiscard]] bool closed_within(std::chrono::milliseconds timeout);
    [[nodiscard]] const std::string& seen() const noexcept { return seen_; }

private:
    // Appends what arrives within `timeout`; false on the peer's close or the deadline.
    bool receive(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    bool closed_ = false;
    std::string buffer_;  // read, not yet consumed by read_reply
    std::string seen_;
};

// One request on a connection of its own: `headers` are whole lines ("Origin: x"),
// Connection: close added, and Host unless `headers` has one, and Content-Length when there is a body.
[[nodiscard]] HttpReply http_request(unsigned short port, const std::string& method, const std::string& target,
                                     const std::vector<std::string>& headers = {}, const std::string& body = {});

}  // namespace bgpemu::test
