#include "tcp_md5_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bgpemu::test {

std::string tcp_md5_refusal() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return std::string("socket: ") + std::strerror(errno);
    tcp_md5sig signature{};
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(&signature.tcpm_addr, &peer, sizeof peer);
    signature.tcpm_keylen = 5;
    std::memcpy(signature.tcpm_key, "probe", 5);
    const int result = ::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &signature, sizeof signature);
    const int error = errno;
    ::close(fd);
    return result == 0 ? std::string() : std::string("setsockopt(TCP_MD5SIG): ") + std::strerror(error);
}

}  // namespace bgpemu::test
