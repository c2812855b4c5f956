#pragma once
// The PostgreSQL CommitFeed: a plain (non-pipeline) connection that only LISTENs on the
// store's channel (pg::ChannelFor of its schema). Internal to store/postgres/.

#include <atomic>
#include <memory>
#include <string>

#include "store/store.h"

namespace centinela::store::pg {

//! `own_writer_pid` is the backend pid of this store's writer connection: notifications it
//! sends are not reported, because the commit listener of this process already saw those
//! commits (a local commit it cannot publish in order makes the follower read the log).
Result<std::unique_ptr<CommitFeed>> OpenCommitFeed(const std::string& url,
                                                   std::shared_ptr<std::atomic<int>> own_writer_pid);

}  // namespace centinela::store::pg
