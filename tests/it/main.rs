//! The integration tests, one binary: each module was once a binary of its own, and linking one
//! instead of ten is most of what building the tests costs after a change to the library.
#[macro_use]
mod support;

mod accounts;
mod admin_org;
mod anonymity;
mod api_loop;
mod area_k;
mod attachments;
mod authorization;
mod bad_input;
mod browser;
mod cli;
mod connections;
mod crash;
mod db_down;
mod form_tokens;
mod fuzz;
mod group_commit;
mod hardened;
mod held_until_release;
mod html_loop;
mod multi_instance;
mod notifications;
mod oversight;
mod preview;
mod public_checkpoint;
mod reporter_page;
mod retaliation;
mod sealing;
mod sign_in_limits;
mod staff_pages;
mod stats;
mod two_factor;
mod verify_log;
