#pragma once
// The core of `centinela simulate` (see simulate.h for what it does): one Simulator over
// one keep-alive connection to the server (http/client.h), driven by a timeline of steps
// and the clock. The command line (simulate.cc) parses the flags and the server URL,
// installs the signal handlers and calls RunSimulator.

#include <atomic>
#include <cstdint>
#include <string>

#include "app/simulate.h"

namespace centinela::app::sim {

//! Runs the simulator against host:port until `stop_signal` is non-zero (the signal that
//! stopped it, logged), flags.duration_s has passed, or the server has not answered for
//! flags.give_up_s. Returns the exit code: 0 then; 1 if the server never became ready or
//! setup failed; 2 if setup failed on invalid input (the units file).
int RunSimulator(const SimulateFlags& flags, std::string host, uint16_t port,
                 const std::atomic<int>& stop_signal);

}  // namespace centinela::app::sim
