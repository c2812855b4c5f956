// Compiled only to build the precompiled header shared by every test binary
// (tests/CMakeLists.txt, target centinela_test_pch); it has no code of its own.
