// Everything of the TOS AI-mining C++ client in one include.
#pragma once

#include "tos_ai/address.hpp"
#include "tos_ai/amounts.hpp"
#include "tos_ai/canonical_json.hpp"
#include "tos_ai/client.hpp"
#include "tos_ai/errors.hpp"
#include "tos_ai/events.hpp"
#include "tos_ai/mining.hpp"
#include "tos_ai/records.hpp"
#include "tos_ai/requests.hpp"
#include "tos_ai/rules.hpp"
#include "tos_ai/task_type.hpp"
#include "tos_ai/wallet.hpp"
