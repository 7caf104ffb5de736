#!/usr/bin/env bash
# Installs the Debian 12 packages bgpemu needs, and only those that are missing.
#
#   bash contrib/scripts/deps.sh run    # what building the tree needs
#   bash contrib/scripts/deps.sh test   # that, plus the test tools (tshark, FRR, BIRD,
#                                       # GoBGP, ExaBGP, bgpdump, pmbmpd, promtool, Chromium,
#                                       # clang with the libFuzzer runtime)
#
# run.sh and test.sh source this file and call bgpemu_deps. A second run finds every
# package installed with one dpkg-query and touches neither apt nor the network.

BGPEMU_DEPS_RUN=(
  cmake ninja-build g++
  libboost1.81-dev libboost-program-options1.81-dev libboost-json1.81-dev
  libspdlog-dev libyaml-cpp-dev
)
BGPEMU_DEPS_TEST=(
  catch2                    # the unit and integration tests (BUILD_TESTING)
  tshark                    # tests/unit/codec_pcap_test: an independent BGP dissector
  frr bird2                 # real peers for the integration tier
  gobgpd exabgp             # more real peers: tests/integration/gobgp_exabgp_test
  bgpdump                   # reads the MRT dumps of tests/integration/bgpdump_test
  pmacct                    # pmbmpd, the BMP station of tests/integration/bmp_test
  prometheus                # promtool checks /metrics (schema_test)
  chromium python3-websocket  # the web view in a real browser (web_test.py)
  clang libclang-rt-14-dev  # clang++ and the libFuzzer runtime for tests/fuzz
)

# Prints the packages of `$@` that dpkg does not list as installed.
bgpemu_missing_packages() {
  local installed
  # One call for all names. dpkg-query exits 1 when it has never heard of a name (so
  # `|| true`, or errexit would end this function early and hide the missing ones).
  installed=$({ dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null || true; } |
    awk '$1 == "ii" { print $2 }')
  local package
  for package in "$@"; do
    grep -qxF -- "$package" <<<"$installed" || echo "$package"
  done
}

# bgpemu_deps run|test
bgpemu_deps() {
  local set=${1:-test}
  local -a wanted
  case $set in
    run) wanted=("${BGPEMU_DEPS_RUN[@]}") ;;
    test) wanted=("${BGPEMU_DEPS_RUN[@]}" "${BGPEMU_DEPS_TEST[@]}") ;;
    *) echo "deps.sh: unknown set '$set' (use run or test)" >&2; return 2 ;;
  esac

  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query not found; this script installs Debian 12 packages with apt-get" >&2
    return 1
  fi
  local -a missing
  mapfile -t missing < <(bgpemu_missing_packages "${wanted[@]}")
  if ((${#missing[@]} == 0)); then
    echo "deps ($set): all ${#wanted[@]} packages installed"
    return 0
  fi
  echo "deps ($set): installing ${missing[*]}"

  local -a sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps.sh: not root and sudo is not installed; as root, run: apt-get install ${missing[*]}" >&2
      return 1
    fi
    # Without a terminal (CI) sudo must not wait for a password nobody will type.
    if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
  fi

  # tshark's wireshark-common asks whether non-root users may capture; answer no, up front.
  if printf '%s\n' "${missing[@]}" | grep -qxE 'tshark|wireshark-common'; then
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | "${sudo[@]}" debconf-set-selections
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || return 1

  mapfile -t missing < <(bgpemu_missing_packages "${wanted[@]}")
  if ((${#missing[@]} != 0)); then
    echo "deps.sh: still missing after apt-get install: ${missing[*]}" >&2
    return 1
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  bgpemu_deps "${1:-test}"
fi
