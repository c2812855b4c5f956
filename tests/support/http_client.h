#pragma once
// The tests' names for the project's one HTTP client (src/http/client.h).

#include "http/client.h"

namespace centinela::test {

using HeaderList = http::HeaderList;
using HttpResult = http::ClientResult;
using HttpClient = http::Client;

}  // namespace centinela::test
