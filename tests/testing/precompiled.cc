// hattama_test_base's one file: the target exists to build tests/testing/precompiled.h's
// precompiled form with the flags every test target shares.
#include "tests/testing/precompiled.h"
