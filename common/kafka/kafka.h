// Transitional, while callers move to the header of what they use (producer.h, consumer.h,
// reader.h, message.h, properties.h, topics.h): this file only includes them all, and goes once
// nothing includes it.
#pragma once

#include "common/kafka/consumer.h"
#include "common/kafka/message.h"
#include "common/kafka/producer.h"
#include "common/kafka/properties.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
