// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// Under clang they let `-Wthread-safety` prove at compile time that a member marked
// GUARDED_BY(mu_) is only touched with mu_ held; under GCC they expand to nothing.
// Annotate with common::Mutex / common::SharedMutex (common/mutex.h): libstdc++'s
// std::mutex carries no annotations, so the analysis cannot see it being locked.
// `make lint` runs the check (scripts/thread-safety.sh); docs/operations.md says more.
#pragma once

#if defined(__clang__)
#define CENTINELA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CENTINELA_THREAD_ANNOTATION(x)
#endif

//! A class that is a lock (a "capability"); `x` names its kind in diagnostics.
#define CAPABILITY(x) CENTINELA_THREAD_ANNOTATION(capability(x))
//! An RAII class that holds a capability for its lifetime.
#define SCOPED_CAPABILITY CENTINELA_THREAD_ANNOTATION(scoped_lockable)
//! The member may be read or written only with `x` held (reads: shared is enough).
#define GUARDED_BY(x) CENTINELA_THREAD_ANNOTATION(guarded_by(x))
//! What the pointer points to is guarded by `x` (the pointer itself is not).
#define PT_GUARDED_BY(x) CENTINELA_THREAD_ANNOTATION(pt_guarded_by(x))
//! Lock-order documentation: this lock is taken before / after the listed ones.
#define ACQUIRED_BEFORE(...) CENTINELA_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) CENTINELA_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
//! The caller must hold the capability exclusively / at least shared.
#define REQUIRES(...) CENTINELA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CENTINELA_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
//! The function takes / releases the capability (exclusive or shared).
#define ACQUIRE(...) CENTINELA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CENTINELA_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) CENTINELA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CENTINELA_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) CENTINELA_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) CENTINELA_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) \
  CENTINELA_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
//! The caller must NOT hold the capability (the function takes it itself; no re-entry).
#define EXCLUDES(...) CENTINELA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
//! Tells the analysis the capability is held here (checked at run time by nothing).
#define ASSERT_CAPABILITY(x) CENTINELA_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) CENTINELA_THREAD_ANNOTATION(assert_shared_capability(x))
//! The function returns a reference to the named capability.
#define RETURN_CAPABILITY(x) CENTINELA_THREAD_ANNOTATION(lock_returned(x))
//! Opts one function out of the analysis; say why next to each use.
#define NO_THREAD_SAFETY_ANALYSIS CENTINELA_THREAD_ANNOTATION(no_thread_safety_analysis)
