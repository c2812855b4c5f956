#pragma once
// The `centinela` command line: one table of subcommands (see commands.cc).

namespace centinela::app {

//! Parses argv, runs the chosen subcommand, returns the process exit code.
int RunCli(int argc, char** argv, char** envp);

}  // namespace centinela::app
