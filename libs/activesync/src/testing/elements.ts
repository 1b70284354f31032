import { elementsOf } from '../wbxml/wbxml.js';

// `el` bound to each code page that test documents are written on, so that a document reads as its
// tags: `airSync('Collection', airSync('SyncKey', '1'))`.
export const airSync = elementsOf('AirSync');
export const airSyncBase = elementsOf('AirSyncBase');
export const folderHierarchy = elementsOf('FolderHierarchy');
export const email = elementsOf('Email');
export const email2 = elementsOf('Email2');
export const ping = elementsOf('Ping');
export const provision = elementsOf('Provision');
export const itemOperations = elementsOf('ItemOperations');
export const settings = elementsOf('Settings');
export const composeMail = elementsOf('ComposeMail');
export const contacts = elementsOf('Contacts');
