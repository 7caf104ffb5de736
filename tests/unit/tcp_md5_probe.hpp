#pragma once
// Whether this kernel takes a TCP-MD5 key (TCP_MD5SIG, CONFIG_TCP_MD5SIG) on a TCP
// socket, for the mains of the tests that need it (tcp_md5_main.cpp here, the
// integration tests' security_test) to skip on one that does not.

#include <string>

namespace bgpemu::test {

// Empty when the kernel takes a key, else why not (with the errno text). Written out with
// the system calls rather than through bgp/session/transport_security: a bug there must
// fail the tests, not skip them.
std::string tcp_md5_refusal();

}  // namespace bgpemu::test
