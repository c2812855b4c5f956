#include "app/commands.h"

int main(int argc, char** argv, char** envp) { return centinela::app::RunCli(argc, argv, envp); }
