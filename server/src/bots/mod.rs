//! What makes chatbots work on the server side: their secrets, the model
//! client, webhook deliveries and the bot API's message feed.

pub mod chats;
pub mod model;
pub mod secrets;
pub mod usage;
pub mod visitor_tokens;
pub mod webhooks;
