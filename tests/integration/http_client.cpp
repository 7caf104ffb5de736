#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace bgpemu::test {

HttpConnection::HttpConnection(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

HttpConnection::~HttpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::send(const std::string& bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
        const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool HttpConnection::receive(std::chrono::steady_clock::time_point deadline) {
    if (closed_ || fd_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
        closed_ = true;
        return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    seen_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

HttpReply HttpConnection::read_reply(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    HttpReply reply;
    while (buffer_.find("\r\n\r\n") == std::string::npos)
        if (!receive(deadline)) return reply;
    const auto head_end = buffer_.find("\r\n\r\n");
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return reply;
    reply.status = static_cast<unsigned>(std::stoul(status_line.substr(9, 3)));
    while (line_end != std::string::npos) {
        const auto start = line_end + 2;
        line_end = head.find("\r\n", start);
        const auto line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        reply.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (const auto length = reply.headers.find("content-length"); length != reply.headers.end()) {
        const auto size = std::stoul(length->second);
        while (buffer_.size() < size)
            if (!receive(deadline)) break;
        reply.body = buffer_.substr(0, size);
        buffer_.erase(0, std::min<std::size_t>(size, buffer_.size()));
    } else {
        while (receive(deadline)) {
        }
        reply.body = std::move(buffer_);
        buffer_.clear();
    }
    return reply;
}

bool HttpConnection::read_until(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen_.find(text) == std::string::npos)
        if (!receive(deadline)) return seen_.find(text) != std::string::npos;
    return true;
}

bool HttpConnection::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) (void)receive(deadline);
    return closed_;
}

HttpReply http_request(unsigned short port, const std::string& method, const std::string& target,
                       const std::vector<std::string>& headers, const std::string& body) {
    HttpConnection connection(port);
    if (!connection.connected()) return {};
    std::string request = method + " " + target + " HTTP/1.1\r\nConnection: close\r\n";
    bool host = false;
    for (const auto& header : headers) {
        request += header + "\r\n";
        host = host || header.rfind("Host:", 0) == 0;
    }
    if (!host) request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    if (!body.empty()) request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    if (!connection.send(request)) return {};
    return connection.read_reply();
}

}  // namespace bgpemu::test
