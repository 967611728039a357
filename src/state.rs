//! What every request handler and use case reaches through actix's app data: the
//! database, the settings and the services. Its own module so that `auth` and the
//! workflows need not import the server's start-up code.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::workflow::SharedServices;

pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub services: SharedServices,
}
